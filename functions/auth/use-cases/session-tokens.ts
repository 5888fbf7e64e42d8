import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { permissionsFor } from '#shared/rbac.ts';
import type { AuthDeps } from '../deps.ts';
import { isErasureLocked } from '../domain/erasure-lock.ts';
import { successorNonce, successorToken } from '../domain/refresh-successor.ts';
import { GraceRefusedError, RefreshRaceError, type RefreshRecord } from '../store/sessions.ts';
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

const invalid = () =>
  new AuthenticationFailedError('The refresh token is invalid or expired.', 'invalid-refresh-token');

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
      successorNonce: null,
      successorHash: null,
      graceUsedAt: null,
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
 * Rotates a refresh token. Its successor is derived from it (see `domain/refresh-successor.ts`), so
 * a replay within the grace window — a client that lost the response and retries — gets that same
 * successor, once, audited as `security.refresh-grace-used`; concurrent refreshes of one token all
 * end on that one successor (conditional writes) instead of forking the session. Any further
 * replay, a replay after the successor was used, or a replay past the grace window is theft
 * evidence: the whole session (every token of the family) is revoked and a security event written.
 */
export async function refreshSession(deps: AuthDeps, token: string, meta: ClientMeta): Promise<TokenPair> {
  if (!/^nmr_[A-Za-z0-9_-]{43}$/.test(token)) throw invalid();
  const hash = hashRefreshToken(token);

  // Two rounds: a rotation that loses a race re-reads the token, now rotated, as a grace replay.
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
      if (!withinGrace) return revokeForReuse(deps, record, meta, 'outside-grace');
      return graceReplay(deps, token, record, meta, loginTimeOf(session));
    }
    if (record.idleExpiresAt <= nowSeconds) throw invalid();

    const user = await deps.users.get(record.userId);
    if (!user || isErasureLocked(user)) throw invalid();
    const nonce = successorNonce();
    const nextToken = successorToken(await deps.refreshKey(), token, nonce);
    const nextRecord: RefreshRecord = {
      tokenHash: hashRefreshToken(nextToken),
      userId: record.userId,
      sessionId: record.sessionId,
      status: 'active',
      issuedAt: nowSeconds,
      idleExpiresAt: Math.min(nowSeconds + deps.config.refreshIdleSeconds, session.absoluteExpiresAt),
      rotatedAt: null,
      successorNonce: null,
      successorHash: null,
      graceUsedAt: null,
    };
    try {
      await deps.sessions.rotate(record, nextRecord, nonce, now.toISOString());
    } catch (error) {
      // Lost a race with a concurrent refresh of the same token: re-read and decide again.
      if (error instanceof RefreshRaceError) continue;
      throw error;
    }
    return pairFor(deps, user, record.sessionId, nextToken, loginTimeOf(session));
  }
  throw invalid();
}

/** The one grace replay of a rotated token: the successor its rotation produced, or revocation. */
async function graceReplay(
  deps: AuthDeps,
  token: string,
  record: RefreshRecord,
  meta: ClientMeta,
  authTime: number,
): Promise<TokenPair> {
  // Rotated before successors were derived (a deploy boundary): nothing to answer with, so
  // refuse without treating it as theft.
  if (record.successorNonce === null || record.successorHash === null) throw invalid();
  const successor = successorToken(await deps.refreshKey(), token, record.successorNonce);
  // A mismatch means the derivation key changed since the rotation: the successor cannot be rebuilt.
  if (hashRefreshToken(successor) !== record.successorHash) throw invalid();
  const user = await deps.users.get(record.userId);
  if (!user || isErasureLocked(user)) throw invalid();
  const now = deps.now();
  try {
    await deps.sessions.useGrace(record, Math.floor(now.getTime() / 1000), now.toISOString());
  } catch (error) {
    if (error instanceof GraceRefusedError) return revokeForReuse(deps, record, meta, 'grace-spent');
    throw error;
  }
  await deps.events.append({
    subject: `user:${record.userId}`,
    type: 'security.refresh-grace-used',
    actor: 'anonymous',
    correlationId: meta.correlationId,
    data: { sessionId: record.sessionId, ip: meta.ip },
  });
  return pairFor(deps, user, record.sessionId, successor, authTime);
}

/** Theft evidence: the family dies (in the authorizer too, within its bound) and it is audited. */
async function revokeForReuse(
  deps: AuthDeps,
  record: RefreshRecord,
  meta: ClientMeta,
  reason: 'outside-grace' | 'grace-spent',
): Promise<never> {
  const now = deps.now();
  await deps.sessions.revoke(record.userId, record.sessionId, 'refresh-token-reuse', now.toISOString());
  await deps.invalidateUser(record.userId);
  await deps.events.append({
    subject: `user:${record.userId}`,
    type: 'security.refresh-token-reused',
    actor: 'anonymous',
    correlationId: meta.correlationId,
    data: { sessionId: record.sessionId, ip: meta.ip, reason },
  });
  throw new AuthenticationFailedError(
    'The refresh token was already used; the session is revoked.',
    REFRESH_REUSED,
  );
}

async function pairFor(
  deps: AuthDeps,
  user: User,
  sessionId: string,
  refreshToken: string,
  /** When the session's password login happened (kept through refreshes, for step-up). */
  authTime: number,
): Promise<TokenPair> {
  const access = await accessTokenFor(deps, user, sessionId, authTime);
  return {
    accessToken: access.token,
    refreshToken,
    expiresIn: access.expiresIn,
    tokenType: 'Bearer',
    sessionId,
  };
}
