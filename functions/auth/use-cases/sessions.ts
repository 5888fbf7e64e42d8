import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';

/**
 * Revokes a session of the caller. Sessions are looked up under the caller's own key, so another
 * user's session id is simply "not found": nobody learns it exists.
 */
export async function revokeOwnSession(
  deps: AuthDeps,
  userId: string,
  sessionId: string,
  reason: string,
  correlationId: string,
): Promise<void> {
  const revoked = await deps.sessions.revoke(userId, sessionId, reason, deps.now().toISOString());
  if (!revoked) throw new ResourceNotFoundError('No such session.');
  await deps.events.append({
    subject: `user:${userId}`,
    type: 'security.session-revoked',
    actor: userId,
    correlationId,
    data: { sessionId, reason },
  });
}
