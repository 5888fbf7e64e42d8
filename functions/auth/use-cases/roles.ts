import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';
import type { User } from '../store/users.ts';
import { confirmStepUp, type SensitiveChange, type StepUpDeps } from './step-up.ts';

/**
 * Replaces a user's roles (duplicates dropped), after the administrator steps up (a stolen admin
 * token alone cannot hand out `admin`). Their cached responses and the authorizer's verdicts are
 * dropped: within 1 s every access token already issued is cut down to what the new roles grant
 * (the authorizer intersects), and API keys likewise; a refresh issues the new set.
 */
export async function setUserRoles(
  deps: StepUpDeps & Pick<AuthDeps, 'invalidateUser'>,
  change: SensitiveChange,
  userId: string,
  requested: readonly string[],
): Promise<User> {
  await confirmStepUp(deps, { ...change, via: 'set-roles' });
  const before = await deps.users.get(userId);
  if (!before) throw new ResourceNotFoundError('No such user.');
  const roles = [...new Set(requested)];
  const user = await deps.users.setRoles(userId, roles);
  if (!user) throw new ResourceNotFoundError('No such user.');
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.roles-changed',
    actor: change.caller.id,
    correlationId: change.correlationId,
    data: { from: before.roles, to: roles },
  });
  return user;
}
