import { Lru } from '#shared/cache/lru.ts';
import { TtlCache } from '#shared/cache/ttl-cache.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { intersectPermissions, isApiKeyPermission, permissionsFor } from '#shared/rbac.ts';
import type { ApiKeyGrant, AuthenticatorDeps } from '../deps.ts';
import { isErasureLocked } from '../domain/erasure-lock.ts';
import { type AccessClaims, TokenError } from '../domain/jwt.ts';

/** The principal the pipeline will read back from the request context, plus the key used. */
export interface AuthenticatedPrincipal extends Principal {
  readonly keyId: string | null;
}

/** What the authorizer caches about a session: `null` when the session or its user is gone. */
export interface SessionVerdict {
  readonly revoked: boolean;
  /** Epoch seconds; checked on every use, so a cached verdict never outlives the session. */
  readonly absoluteExpiresAt: number;
  /** The user's roles now: a token never does more than they grant today. */
  readonly roles: readonly string[];
}

/** What the authorizer caches about an API key: `null` when the key or its owner is gone. */
export interface KeyVerdict {
  readonly revoked: boolean;
  /**
   * The secret's end as read now. A rotation gives the old secret an end (its overlap) after the
   * container first read it, so the end is taken from here too, checked on every use.
   */
  readonly expiresAt: string | null;
  readonly ownerRoles: readonly string[];
  readonly orgId: string;
}

// Bounded so a flood of distinct keys cannot grow a container's memory without limit.
const CACHE_ENTRIES = 10_000;
// An unknown key is remembered this long: a key created a moment ago becomes usable quickly.
const MISS_TTL_MS = 5_000;
// lastUsedAt is written at most once a minute per key and container: one write per request would
// cost more than the request.
const TOUCH_EVERY_MS = 60_000;

/**
 * Turns `Authorization: Bearer <jwt>` or `x-api-key` into a principal, or throws
 * `AuthenticationFailedError` whose `code` says why (for the log; the client only sees a 401).
 *
 * Verdicts on sessions and keys go through the two-level cache (`deps.verdicts`), tagged with their
 * user: a revocation or role change (`invalidateUserEverywhere`) reaches every container within
 * `tagVersionCacheMs` (1 s) at no Redis round trip while nothing changed, and within
 * `authorizerCacheSeconds` (the verdict TTL) if the invalidation itself was lost. Expiry is checked
 * on every use. With Redis unreachable, a verdict is trusted at most 5 s (`unverifiedL1Ms`) before
 * it is read again from the table: an outage costs table reads, never a longer-lived revocation.
 *
 * What Redis holds can only delay a revocation, never widen permissions: a token's permissions come from
 * its signature and a key's from its record as read from the table, and the verdict only narrows them.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const ttlMs = deps.config.authorizerCacheSeconds * 1000;
  const nowMs = () => deps.now().getTime();
  // A key's id, owner and permissions never change: kept per container as first read. Its expiry
  // only ever moves earlier (a rotation ends the old secret), and the verdict carries the latest.
  const keyFacts = new Lru<ApiKeyGrant>(CACHE_ENTRIES);
  const unknownKeys = new TtlCache<true>(CACHE_ENTRIES, nowMs);
  const touched = new TtlCache<true>(CACHE_ENTRIES, nowMs);
  const refuse = (reason: string) =>
    new AuthenticationFailedError(`authentication failed: ${reason}`, reason);
  const refuseToken = (error: unknown) =>
    refuse(error instanceof TokenError ? `token-${error.reason}` : 'token-invalid');

  async function verified(token: string): Promise<AccessClaims> {
    const ring = await deps.keyring();
    try {
      return await ring.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof TokenError && error.reason === 'kid')) throw refuseToken(error);
      // A key that became current in another container before this one saw the change: the
      // keyring re-reads the set (at most once per interval) and the token gets one more try.
      const fresh = await deps.keyring('unknown-kid');
      if (fresh === ring) throw refuseToken(error);
      return fresh.verifier.verify(token).catch((retryError: unknown) => {
        throw refuseToken(retryError);
      });
    }
  }

  async function fromJwt(token: string): Promise<AuthenticatedPrincipal> {
    const claims = await verified(token);
    const { sub: userId, session_id: sessionId } = claims;
    const { value: verdict } = await deps.verdicts.get<SessionVerdict | null>(
      `session:${userId}:${sessionId}`,
      {
        dataClass: 'credentials',
        userId,
        load: async () => {
          const [session, user] = await Promise.all([
            deps.sessions.get(userId, sessionId),
            deps.users.get(userId),
          ]);
          // A user being erased keeps their account intact but can use none of it.
          if (session === undefined || user === undefined || isErasureLocked(user)) return null;
          return {
            revoked: session.revokedAt !== null,
            absoluteExpiresAt: session.absoluteExpiresAt,
            roles: [...user.roles],
          };
        },
      },
    );
    if (verdict === null || verdict.revoked || verdict.absoluteExpiresAt <= Math.floor(nowMs() / 1000))
      throw refuse('session-revoked');
    return {
      id: userId,
      kind: 'user',
      // A demoted user's token keeps only what both the token and the current roles grant.
      roles: claims.roles.filter((role) => verdict.roles.includes(role)),
      permissions: intersectPermissions(claims.permissions, permissionsFor(verdict.roles)),
      sessionId,
      orgId: claims.org_id,
      authTime: claims.auth_time ?? null,
      keyId: null,
    };
  }

  /** The key's fixed facts, read once per container; undefined for a key that does not exist. */
  async function factsOf(fingerprint: string): Promise<ApiKeyGrant | undefined> {
    const known = keyFacts.get(fingerprint);
    if (known !== undefined) return known;
    if (unknownKeys.get(fingerprint)) return undefined;
    const grant = await deps.apiKeys.find(fingerprint);
    if (grant === undefined) {
      // Remembered briefly, so a flood of bad keys costs one lookup each per window.
      unknownKeys.set(fingerprint, true, Math.min(ttlMs, MISS_TTL_MS));
      return undefined;
    }
    keyFacts.set(fingerprint, grant);
    return grant;
  }

  async function fromApiKey(key: string): Promise<AuthenticatedPrincipal> {
    const fingerprint = deps.apiKeys.fingerprint(key);
    if (fingerprint === null) throw refuse('key-malformed');
    const grant = await factsOf(fingerprint);
    const now = deps.now();
    // Expiry and a revocation seen at first read are final: no cache round trip needed.
    if (
      grant === undefined ||
      grant.revokedAt !== null ||
      (grant.expiresAt !== null && Date.parse(grant.expiresAt) <= now.getTime())
    )
      throw refuse('key-invalid');
    // One verdict per secret: a rotated key's old and new secrets end at different times.
    const { value: verdict } = await deps.verdicts.get<KeyVerdict | null>(
      `apikey:${grant.id}:${grant.generation}`,
      {
        dataClass: 'credentials',
        userId: grant.ownerId,
        // Read again rather than reusing the first read: a revocation between that read and this
        // load's version read would otherwise be stamped as current.
        load: async () => {
          const [current, owner] = await Promise.all([
            deps.apiKeys.find(fingerprint),
            deps.users.get(grant.ownerId),
          ]);
          if (current === undefined || owner === undefined || isErasureLocked(owner)) return null;
          return {
            revoked: current.revokedAt !== null,
            expiresAt: current.expiresAt,
            ownerRoles: [...owner.roles],
            orgId: owner.orgId,
          };
        },
      },
    );
    if (
      verdict === null ||
      verdict.revoked ||
      (verdict.expiresAt !== null && Date.parse(verdict.expiresAt) <= now.getTime())
    )
      throw refuse('key-invalid');
    if (!touched.get(fingerprint)) {
      touched.set(fingerprint, true, TOUCH_EVERY_MS);
      const staleBefore = new Date(now.getTime() - TOUCH_EVERY_MS).toISOString();
      await deps.apiKeys.touch(fingerprint, now.toISOString(), staleBefore);
    }
    return {
      id: grant.ownerId,
      kind: 'api-key',
      roles: ['service'],
      // A key never holds more than its owner holds today (an owner demoted since creation takes
      // the key down with them, within the verdict bound), and never a permission keys may not
      // carry: a key created before that rule keeps only its service permissions.
      permissions: intersectPermissions(
        grant.permissions.filter(isApiKeyPermission),
        permissionsFor(verdict.ownerRoles),
      ),
      sessionId: null,
      orgId: verdict.orgId,
      // A key never logged in with a password: a sensitive change made with it needs the password.
      authTime: null,
      keyId: grant.id,
    };
  }

  return {
    async authenticate(
      headers: Readonly<Record<string, string | undefined>>,
    ): Promise<AuthenticatedPrincipal> {
      const authorization = headers.authorization;
      if (authorization !== undefined) {
        const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
        if (!match?.[1]) throw refuse('authorization-malformed');
        return fromJwt(match[1]);
      }
      const apiKey = headers['x-api-key'];
      if (apiKey !== undefined) return fromApiKey(apiKey.trim());
      throw refuse('no-credentials');
    },
  };
}
