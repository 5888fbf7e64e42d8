import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { createUser as route } from '../routes.ts';
import { profileOf, register } from '../use-cases/credentials.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => {
  const user = await register(deps, request.body, request.principal, clientMeta(request));
  return { status: 201, body: profileOf(user) };
});
