import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { clientMeta } from '../http-meta.ts';
import { refresh as route } from '../routes.ts';
import { refreshSession } from '../use-cases/session-tokens.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => ({
  body: await refreshSession(deps, request.body.refreshToken, clientMeta(request)),
}));
