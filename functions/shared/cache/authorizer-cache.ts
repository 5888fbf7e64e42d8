import { getRedis } from '../clients/redis.ts';
import { AUTHORIZER_NAMESPACE } from './namespaces.ts';
import { type Cache, type CacheOptions, createCache } from './two-level-cache.ts';

/**
 * The authorizer's own cache namespace: its verdicts on sessions and API keys (is it live, what may
 * its holder do today), each tagged with the user it belongs to. Whoever revokes or changes what a
 * user may do calls `invalidateUserEverywhere`, which bumps that user's version here (and in the
 * response cache), so every authorizer container drops its verdict within `tagVersionCacheMs`.
 */
export { AUTHORIZER_NAMESPACE } from './namespaces.ts';

/**
 * The authorizer's verdict cache. `ttlSeconds` (the stage's `authorizerCacheSeconds`) bounds a
 * verdict whose invalidation was lost (Redis unreachable by the revoker). No stale-while-error: a
 * verdict past its TTL is reloaded from the table or the request fails. With Redis unreachable, a
 * verdict is trusted `unverifiedL1Ms` (5 s), then reloaded (fail safe: table reads, not trust).
 */
export function authorizerCache(
  ttlSeconds: number,
  /** Tests: a fake Redis and clock. */
  overrides: Partial<Pick<CacheOptions, 'redis' | 'now'>> = {},
): Cache {
  return createCache({
    redis: overrides.redis ?? getRedis,
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
    namespace: AUTHORIZER_NAMESPACE,
    ttls: { credentials: ttlSeconds },
    staleForSeconds: 0,
    // A request waits at most this long for another container's load of the same verdict.
    lockWaitMs: 200,
  });
}

// Only bumps versions: its TTLs play no part.
let invalidator: Cache | undefined;

/**
 * Drops everything cached about a user in every container: their cached responses and the
 * authorizer's verdicts on their sessions and API keys. The revocation signal of logout, session
 * and key revocation, role and second-factor changes. Never throws: with Redis unreachable it is
 * logged and counted, and other containers keep their verdicts until the TTL.
 */
export async function invalidateUserEverywhere(userId: string): Promise<void> {
  invalidator ??= createCache({ redis: getRedis, namespace: AUTHORIZER_NAMESPACE });
  const { responseCache } = await import('./response-cache.ts');
  await Promise.all([responseCache.invalidateUser(userId), invalidator.invalidateUser(userId)]);
}
