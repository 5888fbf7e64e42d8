import { TtlCache } from '#shared/cache/ttl-cache.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { grants, isApiKeyPermission, permissionsFor } from '#shared/rbac.ts';
import type { AuthenticatorDeps } from '../deps.ts';
import { TokenError } from '../domain/jwt.ts';

/** The principal the pipeline will read back from the request context, plus the key used. */
export interface AuthenticatedPrincipal extends Principal {
  readonly keyId: string | null;
}

// Bounded so a flood of distinct tokens or keys cannot grow a container's memory without limit.
const CACHE_ENTRIES = 10_000;
// A miss is cached at most this long: a key created a moment ago becomes usable quickly.
const MISS_TTL_MS = 5_000;
// lastUsedAt is written at most once a minute per key: one write per request would cost more
// than the read it follows.
const TOUCH_EVERY_MS = 60_000;

/**
 * Turns `Authorization: Bearer <jwt>` or `x-api-key` into a principal, or throws
 * `AuthenticationFailedError` whose `code` says why (for the log; the client only sees a 401).
 * Session and key state is cached per container for `authorizerCacheSeconds`: a revocation takes
 * effect within that delay.
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const ttlMs = deps.config.authorizerCacheSeconds * 1000;
  const nowMs = () => deps.now().getTime();
  const sessionLive = new TtlCache<boolean>(CACHE_ENTRIES, nowMs);
  const keyCache = new TtlCache<AuthenticatedPrincipal | null>(CACHE_ENTRIES, nowMs);
  const refuse = (reason: string) =>
    new AuthenticationFailedError(`authentication failed: ${reason}`, reason);

  async function fromJwt(token: string): Promise<AuthenticatedPrincipal> {
    const ring = await deps.keyring();
    let claims: Awaited<ReturnType<typeof ring.verifier.verify>>;
    try {
      claims = await ring.verifier.verify(token);
    } catch (error) {
      throw refuse(error instanceof TokenError ? `token-${error.reason}` : 'token-invalid');
    }
    const cacheKey = `${claims.sub}/${claims.session_id}`;
    let live = sessionLive.get(cacheKey);
    if (live === undefined) {
      const session = await deps.sessions.get(claims.sub, claims.session_id);
      live =
        session !== undefined &&
        session.revokedAt === null &&
        session.absoluteExpiresAt > Math.floor(nowMs() / 1000);
      sessionLive.set(cacheKey, live, ttlMs);
    }
    if (!live) throw refuse('session-revoked');
    return {
      id: claims.sub,
      kind: 'user',
      roles: claims.roles,
      permissions: claims.permissions,
      sessionId: claims.session_id,
      orgId: claims.org_id,
      authTime: claims.auth_time ?? null,
      keyId: null,
    };
  }

  async function principalOfKey(fingerprint: string): Promise<AuthenticatedPrincipal | null> {
    const grant = await deps.apiKeys.find(fingerprint);
    const now = deps.now();
    const usable =
      grant !== undefined &&
      grant.revokedAt === null &&
      (grant.expiresAt === null || Date.parse(grant.expiresAt) > now.getTime());
    if (!usable) return null;
    const owner = await deps.users.get(grant.ownerId);
    if (owner === undefined) return null;
    // A key never holds more than its owner holds today (an owner demoted since creation
    // takes the key down with them), and never a permission keys may not carry: a key created
    // before that rule keeps only its service permissions.
    const ownerPermissions = permissionsFor(owner.roles);
    const permissions = grant.permissions.filter((p) => isApiKeyPermission(p) && grants(ownerPermissions, p));
    const staleBefore = new Date(now.getTime() - TOUCH_EVERY_MS).toISOString();
    await deps.apiKeys.touch(fingerprint, now.toISOString(), staleBefore);
    return {
      id: owner.id,
      kind: 'api-key',
      roles: ['service'],
      permissions,
      sessionId: null,
      orgId: owner.orgId,
      // A key never logged in with a password: a sensitive change made with it needs the password.
      authTime: null,
      keyId: grant.id,
    };
  }

  async function fromApiKey(key: string): Promise<AuthenticatedPrincipal> {
    const fingerprint = deps.apiKeys.fingerprint(key);
    if (fingerprint === null) throw refuse('key-malformed');
    let principal = keyCache.get(fingerprint);
    if (principal === undefined) {
      principal = await principalOfKey(fingerprint);
      // Cache misses too, briefly, so a flood of bad keys costs one lookup each per window.
      keyCache.set(fingerprint, principal, principal ? ttlMs : Math.min(ttlMs, MISS_TTL_MS));
    }
    if (principal === null) throw refuse('key-invalid');
    return principal;
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
