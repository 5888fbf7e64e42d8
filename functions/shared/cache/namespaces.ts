/**
 * The cache namespaces Nimbus writes, and the one key outside them, in a module of their own (no
 * client, no env read) so the GDPR data map (`functions/gdpr/domain/redis-keys.ts`) can name them.
 */

/** Prefix of every cache key: `nimbus:cache:<namespace>:…` (layout in `versions.ts`). */
export const CACHE_PREFIX = 'nimbus:cache:';

/** The HTTP response cache every function shares (`response-cache.ts`). */
export const RESPONSE_CACHE_NAMESPACE = 'http';

/** The authorizer's verdicts on sessions and API keys (`authorizer-cache.ts`). */
export const AUTHORIZER_NAMESPACE = 'authz';

/** Fleet-wide response-cache counters, a hash folded in by every container (`response-cache.ts`). */
export const RESPONSE_CACHE_STATS_KEY = `${CACHE_PREFIX}${RESPONSE_CACHE_NAMESPACE}:stats`;
