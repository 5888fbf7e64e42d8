import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { refresh as route } from '../routes.ts';
import { refreshSession } from '../use-cases/session-tokens.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => ({
  body: await refreshSession(deps, request.body.refreshToken, clientMeta(request)),
}));
