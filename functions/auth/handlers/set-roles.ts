import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { setRoles as route } from '../routes.ts';
import { profileOf } from '../use-cases/credentials.ts';
import { setUserRoles } from '../use-cases/roles.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId }) => ({
  body: profileOf(await setUserRoles(deps, principal.id, params.userId, body.roles, correlationId)),
}));
