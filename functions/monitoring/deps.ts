import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { fleetStats, responseCache } from '#shared/cache/response-cache.ts';
import type { Cache } from '#shared/cache/two-level-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { type SloSettings, sloSettingsFromEnv } from '#shared/config/slo.ts';
import { type RequestMetricsStore, redisRequestMetricsStore } from './store/request-metrics.ts';

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

/** The request histograms, and the clock that places the window. */
export interface RequestMetricsDeps {
  readonly store: RequestMetricsStore;
  readonly now: () => number;
}

/** The performance report also measures against the stage's SLOs. */
export interface PerformanceDeps extends RequestMetricsDeps {
  readonly slo: SloSettings;
}

export function requestMetricsDeps(): RequestMetricsDeps {
  return { store: redisRequestMetricsStore(), now: Date.now };
}

export function performanceDeps(): PerformanceDeps {
  return { ...requestMetricsDeps(), slo: sloSettingsFromEnv() };
}
