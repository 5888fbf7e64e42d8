import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { BUCKET_BOUNDS_MS } from '#shared/metrics/request-histogram.ts';
import type { PerformanceDeps, RequestMetricsDeps } from '../deps.ts';
import { foldMinutes, type RouteHistogram } from '../domain/histogram.ts';
import { toPrometheus } from '../domain/prometheus.ts';
import { performanceByClass, summarise, totalOf } from '../domain/report.ts';
import { windowAt } from '../domain/window.ts';

/** A window as the route's query validated it: `15m` and its length in minutes. */
export interface WindowQuery {
  readonly label: string;
  readonly minutes: number;
}

async function readWindow(deps: RequestMetricsDeps, window: WindowQuery) {
  const now = deps.now();
  const span = windowAt(window.minutes, now);
  const minutes = await deps.store.readMinutes(span.minutes).catch(() => {
    throw new DependencyUnavailableError('Redis is unreachable; the request metrics cannot be read.');
  });
  const first = span.minutes[0] ?? 0;
  return {
    routes: foldMinutes(minutes),
    seconds: span.seconds,
    meta: {
      window: window.label,
      from: new Date(first * 60_000).toISOString(),
      to: new Date(now).toISOString(),
      seconds: span.seconds,
    },
  };
}

const byRoute = <T>(routes: readonly RouteHistogram[], map: (route: RouteHistogram) => T) =>
  Object.fromEntries(routes.map((route) => [route.routeId, map(route)]));

/** Per route and in total: count, error rates, p50/p95/p99 (within bucket resolution), throughput. */
export async function requestMetrics(deps: RequestMetricsDeps, window: WindowQuery) {
  const { routes, seconds, meta } = await readWindow(deps, window);
  return {
    ...meta,
    bucketsMs: [...BUCKET_BOUNDS_MS],
    routes: byRoute(routes, (route) => ({ class: route.routeClass, ...summarise(route.histogram, seconds) })),
    totals: summarise(totalOf(routes), seconds),
  };
}

/** The same histograms in the Prometheus text format. */
export async function prometheusMetrics(deps: RequestMetricsDeps, window: WindowQuery): Promise<string> {
  const { routes } = await readWindow(deps, window);
  return toPrometheus(routes, window.label);
}

/** Each route class against its SLO: percentiles, what share is too slow, the error budget left. */
export async function performanceReport(deps: PerformanceDeps, window: WindowQuery) {
  const { routes, seconds, meta } = await readWindow(deps, window);
  return { ...meta, classes: performanceByClass(routes, deps.slo, seconds) };
}
