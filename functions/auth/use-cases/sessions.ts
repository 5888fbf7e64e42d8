import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';
import type { SessionStore } from '../store/sessions.ts';

/**
 * Revokes a session of the caller. Sessions are looked up under the caller's own key, so another
 * user's session id is simply "not found": nobody learns it exists. The authorizer's cached verdict
 * on the session is dropped in every container (within 1 s), so its access tokens stop working then.
 */
export async function revokeOwnSession(
  deps: Pick<AuthDeps, 'events' | 'now' | 'invalidateUser'> & {
    readonly sessions: Pick<SessionStore, 'revoke'>;
  },
  userId: string,
  sessionId: string,
  reason: string,
  correlationId: string,
): Promise<void> {
  const revoked = await deps.sessions.revoke(userId, sessionId, reason, deps.now().toISOString());
  if (!revoked) throw new ResourceNotFoundError('No such session.');
  await deps.invalidateUser(userId);
  await deps.events.append({
    subject: `user:${userId}`,
    type: 'security.session-revoked',
    actor: userId,
    correlationId,
    data: { sessionId, reason },
  });
}

/** The user's sessions, newest first, marking the one the caller is using. */
export async function listOwnSessions(
  deps: { readonly sessions: Pick<SessionStore, 'list'> },
  userId: string,
  currentSessionId: string | null,
) {
  const sessions = await deps.sessions.list(userId);
  return sessions
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((s) => ({
      sessionId: s.sessionId,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      current: s.sessionId === currentSessionId,
      revokedAt: s.revokedAt,
      userAgent: s.userAgent,
      ip: s.ip,
    }));
}
