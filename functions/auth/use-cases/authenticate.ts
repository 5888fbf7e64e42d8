import { TtlCache } from '#shared/cache/ttl-cache.ts';
import type { Principal } from '#shared/http/principal.ts';
import { permissionsFor } from '#shared/rbac.ts';
import type { ApiKeyStore } from '../../keys/store/api-keys.ts';
import type { AuthenticatorDeps } from '../deps.ts';
import { hashApiKey, looksLikeApiKey } from '../domain/api-keys.ts';
import { TokenError } from '../domain/jwt.ts';

/** The principal the pipeline will read back from the request context, plus the key used. */
export interface AuthenticatedPrincipal extends Principal {
  readonly keyId: string | null;
}

export class AuthenticationError extends Error {
  constructor(readonly reason: string) {
    super(`authentication failed: ${reason}`);
    this.name = 'AuthenticationError';
  }
}

/**
 * Turns `Authorization: Bearer <jwt>` or `x-api-key` into a principal. Session and key state is
 * cached per container for `authorizerCacheSeconds`: a revocation takes effect within that delay.
 */
export function createAuthenticator(deps: AuthenticatorDeps, keys: ApiKeyStore) {
  const ttlMs = deps.config.authorizerCacheSeconds * 1000;
  const sessionLive = new TtlCache<boolean>(10_000);
  const keyCache = new TtlCache<AuthenticatedPrincipal | null>(10_000);

  async function fromJwt(token: string): Promise<AuthenticatedPrincipal> {
    const ring = await deps.keyring();
    let claims: Awaited<ReturnType<typeof ring.verifier.verify>>;
    try {
      claims = await ring.verifier.verify(token);
    } catch (error) {
      throw new AuthenticationError(error instanceof TokenError ? `token-${error.reason}` : 'token-invalid');
    }
    const cacheKey = `${claims.sub}/${claims.session_id}`;
    let live = sessionLive.get(cacheKey);
    if (live === undefined) {
      const session = await deps.sessions.get(claims.sub, claims.session_id);
      live =
        session !== undefined &&
        session.revokedAt === null &&
        session.absoluteExpiresAt > Math.floor(deps.now().getTime() / 1000);
      sessionLive.set(cacheKey, live, ttlMs);
    }
    if (!live) throw new AuthenticationError('session-revoked');
    return {
      id: claims.sub,
      kind: 'user',
      roles: claims.roles,
      permissions: claims.permissions,
      sessionId: claims.session_id,
      orgId: claims.org_id,
      keyId: null,
    };
  }

  async function fromApiKey(key: string): Promise<AuthenticatedPrincipal> {
    if (!looksLikeApiKey(key)) throw new AuthenticationError('key-malformed');
    const hash = hashApiKey(key);
    let principal = keyCache.get(hash);
    if (principal === undefined) {
      principal = null;
      const record = await keys.getByHash(hash);
      const now = deps.now();
      const usable =
        record !== undefined &&
        record.revokedAt === null &&
        (record.expiresAt === null || Date.parse(record.expiresAt) > now.getTime());
      const owner = usable ? await deps.users.get(record.ownerId) : undefined;
      if (record && owner) {
        // A key never holds more than its owner holds today (an owner demoted since creation
        // takes the key down with them).
        const ownerPermissions = permissionsFor(owner.roles);
        const permissions = record.permissions.filter(
          (p) =>
            ownerPermissions.includes('*') ||
            ownerPermissions.includes(p) ||
            ownerPermissions.includes(`${p.split(':')[0]}:*`),
        );
        principal = {
          id: owner.id,
          kind: 'api-key',
          roles: ['service'],
          permissions,
          sessionId: null,
          orgId: owner.orgId,
          keyId: record.id,
        };
        const staleBefore = new Date(now.getTime() - 60_000).toISOString();
        await keys.touch(hash, now.toISOString(), staleBefore);
      }
      // Cache misses too, briefly, so a flood of bad keys costs one lookup each per window.
      keyCache.set(hash, principal, principal ? ttlMs : Math.min(ttlMs, 5_000));
    }
    if (principal === null) throw new AuthenticationError('key-invalid');
    return principal;
  }

  return {
    async authenticate(
      headers: Readonly<Record<string, string | undefined>>,
    ): Promise<AuthenticatedPrincipal> {
      const authorization = headers.authorization;
      if (authorization !== undefined) {
        const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
        if (!match?.[1]) throw new AuthenticationError('authorization-malformed');
        return fromJwt(match[1]);
      }
      const apiKey = headers['x-api-key'];
      if (apiKey !== undefined) return fromApiKey(apiKey.trim());
      throw new AuthenticationError('no-credentials');
    },
  };
}
