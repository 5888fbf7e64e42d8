import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import type { CacheAdminDeps, CacheMonitoringDeps } from '../deps.ts';

/** The fleet's counters, as every container flushed them to Redis. */
export async function cacheStatistics(deps: CacheMonitoringDeps) {
  return deps.fleetStats().catch(() => {
    throw new DependencyUnavailableError('Redis is unreachable; the shared counters cannot be read.');
  });
}

/** Whether the cache's second level answers; a cache without it is degraded, so that is a 503. */
export async function cacheHealth(deps: CacheMonitoringDeps) {
  const health = await deps.cache.health();
  if (health.l2 !== 'ok') {
    throw new DependencyUnavailableError(
      'The cache cannot reach Redis: only in-container and stale copies are served.',
      { l2: health.l2, latencyMs: health.latencyMs },
    );
  }
  return health;
}

/** Drops cached responses by tag and/or user in every container, and audits who did it. */
export async function invalidateCache(
  deps: CacheAdminDeps,
  actor: string,
  input: { tags?: readonly string[] | undefined; userId?: string | undefined },
  correlationId: string,
) {
  const tags = [...(input.tags ?? [])];
  const userId = input.userId ?? null;
  if (tags.length > 0) await deps.cache.invalidateTags(tags);
  if (userId !== null) await deps.cache.invalidateUser(userId);
  await deps.events.append({
    subject: 'cache:http',
    type: 'cache.invalidated',
    actor,
    correlationId,
    data: { tags, userId },
  });
  return { tags, userId };
}
