import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { fleetStats, responseCache } from '#shared/cache/response-cache.ts';
import type { Cache } from '#shared/cache/two-level-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';

/** The shared response cache as the monitoring use cases see it. */
export interface CacheMonitoringDeps {
  readonly cache: Pick<Cache, 'health' | 'invalidateTags' | 'invalidateUser'>;
  readonly fleetStats: typeof fleetStats;
}

/** Invalidation is audited: it also appends to the event store. */
export interface CacheAdminDeps extends CacheMonitoringDeps {
  readonly events: Pick<EventStore, 'append'>;
}

export function cacheMonitoringDeps(): CacheMonitoringDeps {
  return { cache: responseCache, fleetStats };
}

export function cacheAdminDeps(): CacheAdminDeps {
  return { ...cacheMonitoringDeps(), events: dynamoEventStore(boundResource('eventsTable')) };
}
