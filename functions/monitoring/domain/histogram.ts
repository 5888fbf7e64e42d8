import {
  BUCKET_BOUNDS_MS,
  bucketLabel,
  parseField,
  type RouteClass,
  STATUS_CLASSES,
  type StatusClass,
} from '#shared/metrics/request-histogram.ts';

/** One route's requests over a window: the buckets of `BUCKET_BOUNDS_MS` (+ one above), not cumulative. */
export interface Histogram {
  readonly buckets: number[];
  count: number;
  /** Latency sum in µs. */
  sumUs: number;
  readonly statuses: Record<StatusClass, number>;
}

export interface RouteHistogram {
  readonly routeId: string;
  /** The class the route was recorded under (its last, should its auth have changed in the window). */
  routeClass: RouteClass;
  readonly histogram: Histogram;
}

export function emptyHistogram(): Histogram {
  return {
    buckets: Array.from({ length: BUCKET_BOUNDS_MS.length + 1 }, () => 0),
    count: 0,
    sumUs: 0,
    statuses: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  };
}

export function mergeInto(target: Histogram, source: Histogram): Histogram {
  source.buckets.forEach((n, i) => {
    target.buckets[i] = (target.buckets[i] ?? 0) + n;
  });
  target.count += source.count;
  target.sumUs += source.sumUs;
  for (const status of STATUS_CLASSES) target.statuses[status] += source.statuses[status];
  return target;
}

const BUCKET_OF_LABEL = new Map<string, number>(
  Array.from({ length: BUCKET_BOUNDS_MS.length + 1 }, (_, i) => [`le=${bucketLabel(i)}`, i]),
);

/**
 * Folds minute hashes (as HGETALL returns them; null for a minute nobody wrote) into one histogram
 * per route, sorted by route id. Fields this layout does not know are ignored.
 */
export function foldMinutes(
  minutes: readonly (Readonly<Record<string, unknown>> | null)[],
): RouteHistogram[] {
  const routes = new Map<string, RouteHistogram>();
  for (const minute of minutes) {
    for (const [field, raw] of Object.entries(minute ?? {})) {
      const parsed = parseField(field);
      const value = Number(raw);
      if (parsed === undefined || !Number.isFinite(value)) continue;
      let route = routes.get(parsed.routeId);
      if (route === undefined) {
        route = { routeId: parsed.routeId, routeClass: parsed.routeClass, histogram: emptyHistogram() };
        routes.set(parsed.routeId, route);
      }
      route.routeClass = parsed.routeClass;
      add(route.histogram, parsed.stat, value);
    }
  }
  return [...routes.values()].sort((a, b) => a.routeId.localeCompare(b.routeId));
}

function add(histogram: Histogram, stat: string, value: number): void {
  const bucket = BUCKET_OF_LABEL.get(stat);
  if (bucket !== undefined) histogram.buckets[bucket] = (histogram.buckets[bucket] ?? 0) + value;
  else if (stat === 'count') histogram.count += value;
  else if (stat === 'sum_us') histogram.sumUs += value;
  else if ((STATUS_CLASSES as readonly string[]).includes(stat))
    histogram.statuses[stat as StatusClass] += value;
}

const lowerBound = (index: number): number => (index === 0 ? 0 : (BUCKET_BOUNDS_MS[index - 1] ?? 0));

/**
 * The q-quantile (0 < q ≤ 1) in ms, interpolated linearly within the bucket holding the
 * ⌈q·n⌉-th smallest latency: it lies in the same bucket as the true value, so it is off by at most
 * that bucket's width (5 ms up to 10 ms, 25–50 ms around the SLOs, wider above). A quantile in the
 * last, unbounded bucket is reported as its lower bound (5000 ms), as Prometheus does. Null without
 * requests.
 */
export function quantileMs(histogram: Histogram, q: number): number | null {
  const total = histogram.buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(q * total, Number.MIN_VALUE);
  let below = 0;
  for (const [index, n] of histogram.buckets.entries()) {
    if (n > 0 && below + n >= rank) {
      const lower = lowerBound(index);
      const upper = BUCKET_BOUNDS_MS[index];
      if (upper === undefined) return lower;
      return round(lower + ((upper - lower) * (rank - below)) / n);
    }
    below += n;
  }
  return lowerBound(histogram.buckets.length - 1);
}

/**
 * How many requests took longer than `ms`: exact at a bucket bound, interpolated inside a bucket
 * (every request of the unbounded bucket counts when `ms` is past its lower bound).
 */
export function countAbove(histogram: Histogram, ms: number): number {
  let above = 0;
  for (const [index, n] of histogram.buckets.entries()) {
    const lower = lowerBound(index);
    const upper = BUCKET_BOUNDS_MS[index];
    if (lower >= ms) above += n;
    else if (upper === undefined) above += n;
    else if (upper > ms) above += (n * (upper - ms)) / (upper - lower);
  }
  return above;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
