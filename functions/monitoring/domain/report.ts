import type { SloSettings, SloTarget } from '#shared/config/slo.ts';
import { ROUTE_CLASSES, type RouteClass } from '#shared/metrics/request-histogram.ts';
import {
  countAbove,
  emptyHistogram,
  type Histogram,
  mergeInto,
  quantileMs,
  type RouteHistogram,
  round,
} from './histogram.ts';

export interface LatencySummary {
  readonly count: number;
  /** Share of requests answered 5xx. */
  readonly errorRate: number;
  /** Share answered 4xx (the caller's mistakes, no failure of ours). */
  readonly clientErrorRate: number;
  /** Percentiles in ms within bucket resolution (`quantileMs`); null without requests. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly meanMs: number | null;
  /** Requests per second over the window. */
  readonly throughput: number;
}

export function summarise(histogram: Histogram, seconds: number): LatencySummary {
  const { count } = histogram;
  const share = (n: number) => (count === 0 ? 0 : round(n / count, 6));
  return {
    count,
    errorRate: share(histogram.statuses['5xx']),
    clientErrorRate: share(histogram.statuses['4xx']),
    p50: quantileMs(histogram, 0.5),
    p95: quantileMs(histogram, 0.95),
    p99: quantileMs(histogram, 0.99),
    meanMs: count === 0 ? null : round(histogram.sumUs / 1000 / count),
    throughput: round(count / seconds, 4),
  };
}

export function totalOf(routes: readonly RouteHistogram[], routeClass?: RouteClass): Histogram {
  return routes
    .filter((route) => routeClass === undefined || route.routeClass === routeClass)
    .reduce((total, route) => mergeInto(total, route.histogram), emptyHistogram());
}

export interface ClassPerformance extends LatencySummary {
  readonly routes: number;
  readonly slo: SloTarget;
  readonly latency: {
    /** p95 at or under the target; null without requests. */
    readonly met: boolean | null;
    /** Share of requests slower than the target (interpolated inside a bucket). */
    readonly slowShare: number;
    /** 1 - slowShare / 5 %: what is left of the 5 % a p95 target allows; below 0 when overspent. */
    readonly budgetRemaining: number;
  };
  readonly availability: {
    readonly actual: number;
    readonly met: boolean | null;
    /** 1 - errorRate / (1 - target): what is left of the error budget; below 0 when overspent. */
    readonly errorBudgetRemaining: number;
  };
}

const P95_ALLOWANCE = 0.05;

export function classPerformance(
  routes: readonly RouteHistogram[],
  routeClass: RouteClass,
  slo: SloTarget,
  seconds: number,
): ClassPerformance {
  const histogram = totalOf(routes, routeClass);
  const summary = summarise(histogram, seconds);
  const none = histogram.count === 0;
  const slowShare = none ? 0 : countAbove(histogram, slo.p95Ms) / histogram.count;
  const failed = none ? 0 : histogram.statuses['5xx'] / histogram.count;
  return {
    ...summary,
    routes: routes.filter((route) => route.routeClass === routeClass).length,
    slo,
    latency: {
      met: summary.p95 === null ? null : summary.p95 <= slo.p95Ms,
      slowShare: round(slowShare, 6),
      budgetRemaining: round(1 - slowShare / P95_ALLOWANCE, 4),
    },
    availability: {
      actual: round(1 - failed, 6),
      met: none ? null : 1 - failed >= slo.availability,
      errorBudgetRemaining: round(1 - failed / (1 - slo.availability), 4),
    },
  };
}

export function performanceByClass(
  routes: readonly RouteHistogram[],
  slo: SloSettings,
  seconds: number,
): Record<RouteClass, ClassPerformance> {
  const entries = ROUTE_CLASSES.map((c) => [c, classPerformance(routes, c, slo[c], seconds)] as const);
  return Object.fromEntries(entries) as Record<RouteClass, ClassPerformance>;
}
