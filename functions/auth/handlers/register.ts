import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { register as route } from '../routes.ts';
import { registerOpen } from '../use-cases/credentials.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => ({
  status: 202,
  body: await registerOpen(deps, request.body, clientMeta(request)),
}));
