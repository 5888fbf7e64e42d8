import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { permissionsFor } from '#shared/rbac.ts';
import type { AuthDeps } from '../deps.ts';
import { RefreshRaceError, type RefreshRecord } from '../store/sessions.ts';
import type { User } from '../store/users.ts';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly tokenType: 'Bearer';
  readonly sessionId: string;
}

export interface ClientMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly correlationId: string;
}

export const REFRESH_REUSED = 'refresh-token-reused';

/** Opaque refresh token: 256 random bits; only its sha256 is stored. */
function newRefreshToken(): { token: string; hash: string } {
  const token = `nmr_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRefreshToken(token) };
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** `authTime`: epoch seconds of the session's password login, which step-up compares with. */
async function accessTokenFor(deps: AuthDeps, user: User, sessionId: string, authTime: number) {
  const ring = await deps.keyring();
  return ring.issuer.issue({
    sub: user.id,
    roles: [...user.roles],
    permissions: permissionsFor(user.roles),
    session_id: sessionId,
    org_id: user.orgId,
    auth_time: authTime,
  });
}

// A session is created by a password login and only ever refreshed after, so its creation time is
// the time of that login: no extra attribute to keep in step.
const loginTimeOf = (session: { createdAt: string }) => Math.floor(Date.parse(session.createdAt) / 1000);

/** A new login: a session (the refresh family), its first refresh token, an access token. */
export async function startSession(deps: AuthDeps, user: User, meta: ClientMeta): Promise<TokenPair> {
  const now = deps.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const sessionId = randomUUID();
  const refresh = newRefreshToken();
  await deps.sessions.create(
    {
      sessionId,
      userId: user.id,
      createdAt: now.toISOString(),
      lastUsedAt: now.toISOString(),
      absoluteExpiresAt: nowSeconds + deps.config.refreshAbsoluteSeconds,
      revokedAt: null,
      revokedReason: null,
      userAgent: meta.userAgent?.slice(0, 256) ?? null,
      ip: meta.ip,
    },
    {
      tokenHash: refresh.hash,
      userId: user.id,
      sessionId,
      status: 'active',
      issuedAt: nowSeconds,
      idleExpiresAt: nowSeconds + deps.config.refreshIdleSeconds,
      rotatedAt: null,
    },
  );
  const access = await accessTokenFor(deps, user, sessionId, nowSeconds);
  return {
    accessToken: access.token,
    refreshToken: refresh.token,
    expiresIn: access.expiresIn,
    tokenType: 'Bearer',
    sessionId,
  };
}

/**
 * Rotates a refresh token. Reusing a token that was rotated more than the grace window ago is
 * theft evidence: the whole session (every token of the family) is revoked and a security event
 * written. Within the grace window a concurrent refresh gets its own new pair.
 */
export async function refreshSession(deps: AuthDeps, token: string, meta: ClientMeta): Promise<TokenPair> {
  const invalid = () =>
    new AuthenticationFailedError('The refresh token is invalid or expired.', 'invalid-refresh-token');
  if (!/^nmr_[A-Za-z0-9_-]{43}$/.test(token)) throw invalid();
  const hash = hashRefreshToken(token);

  for (let attempt = 0; attempt < 2; attempt++) {
    const record = await deps.sessions.getRefresh(hash);
    if (!record) throw invalid();
    const now = deps.now();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const session = await deps.sessions.get(record.userId, record.sessionId);
    if (!session || session.revokedAt !== null || session.absoluteExpiresAt <= nowSeconds) throw invalid();

    if (record.status === 'rotated') {
      const withinGrace =
        record.rotatedAt !== null && nowSeconds - record.rotatedAt <= deps.config.refreshReuseGraceSeconds;
      if (!withinGrace) {
        await deps.sessions.revoke(record.userId, record.sessionId, 'refresh-token-reuse', now.toISOString());
        await deps.events.append({
          subject: `user:${record.userId}`,
          type: 'security.refresh-token-reused',
          actor: 'anonymous',
          correlationId: meta.correlationId,
          data: { sessionId: record.sessionId, ip: meta.ip },
        });
        throw new AuthenticationFailedError(
          'The refresh token was already used; the session is revoked.',
          REFRESH_REUSED,
        );
      }
    } else if (record.idleExpiresAt <= nowSeconds) {
      throw invalid();
    }

    const user = await deps.users.get(record.userId);
    if (!user) throw invalid();
    const next = newRefreshToken();
    const nextRecord: RefreshRecord = {
      tokenHash: next.hash,
      userId: record.userId,
      sessionId: record.sessionId,
      status: 'active',
      issuedAt: nowSeconds,
      idleExpiresAt: Math.min(nowSeconds + deps.config.refreshIdleSeconds, session.absoluteExpiresAt),
      rotatedAt: null,
    };
    try {
      await deps.sessions.rotate(record, nextRecord, now.toISOString());
    } catch (error) {
      // Lost a race with a concurrent refresh of the same token: re-read and decide again.
      if (error instanceof RefreshRaceError) continue;
      throw error;
    }
    const access = await accessTokenFor(deps, user, record.sessionId, loginTimeOf(session));
    return {
      accessToken: access.token,
      refreshToken: next.token,
      expiresIn: access.expiresIn,
      tokenType: 'Bearer',
      sessionId: record.sessionId,
    };
  }
  throw invalid();
}
