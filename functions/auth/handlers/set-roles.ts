import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { setRoles as route } from '../routes.ts';
import { profileOf } from '../use-cases/credentials.ts';
import { setUserRoles } from '../use-cases/roles.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => {
  const { principal, params, body } = request;
  const { ip, correlationId } = clientMeta(request);
  const change = { caller: principal, password: body.password, ip, correlationId };
  return { body: profileOf(await setUserRoles(deps, change, params.userId, body.roles)) };
});
