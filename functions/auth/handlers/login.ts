import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { login as route } from '../routes.ts';
import { login } from '../use-cases/credentials.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => ({
  body: await login(deps, request.body, clientMeta(request)),
}));
