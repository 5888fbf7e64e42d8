import { NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { setRoles as route } from '../routes.ts';
import { profileOf } from '../use-cases/credentials.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId }) => {
  const before = await deps.users.get(params.userId);
  if (!before) throw new NotFoundError('No such user.');
  const roles = [...new Set(body.roles)];
  const user = await deps.users.setRoles(params.userId, roles);
  if (!user) throw new NotFoundError('No such user.');
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.roles-changed',
    actor: principal.id,
    correlationId,
    data: { from: before.roles, to: roles },
  });
  return { body: profileOf(user) };
});
