/**
 * The layout of the request-latency histograms every API function writes to Redis and the
 * monitoring routes read back (`functions/monitoring`). Pure: no client, no env read, so the GDPR
 * data map (`functions/gdpr/domain/redis-keys.ts`) and the readers can name it.
 *
 * One hash per UTC minute for the whole API, `nimbus:metrics:http:<epoch minute>`, whose fields
 * are `<class>|<route id>|<stat>`: a route id and its class, never anything about the caller.
 * - `<class>`: `gateway` for public routes, `api` for authenticated ones (the SLO classes);
 * - `<stat>`: `le=<ms>` / `le=inf` (requests in that bucket, not cumulative), `count`, `sum_us`
 *   (latency sum in whole microseconds: HINCRBY takes integers, and µs keep the mean exact enough),
 *   `2xx` / `3xx` / `4xx` / `5xx` (requests by status class).
 */

/** Root of every metrics key. */
export const METRICS_PREFIX = 'nimbus:metrics:';
/** Prefix of the per-minute request histograms. */
export const REQUEST_METRICS_PREFIX = `${METRICS_PREFIX}http:`;

/**
 * Upper bounds of the finite buckets in ms (a last bucket holds everything above). Dense where the
 * SLOs sit (100 ms, 200 ms): a percentile read from them is off by at most its bucket's width.
 */
export const BUCKET_BOUNDS_MS = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000] as const;

/** The longest window the monitoring routes serve. */
export const MAX_WINDOW_MINUTES = 24 * 60;
/** A bit over the largest window, so that a 24 h read still finds its oldest minute. */
export const REQUEST_METRICS_TTL_SECONDS = 25 * 3600;

export type RouteClass = 'gateway' | 'api';
export const ROUTE_CLASSES: readonly RouteClass[] = ['gateway', 'api'];
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx'];

export const routeClassOf = (auth: 'public' | 'principal'): RouteClass =>
  auth === 'public' ? 'gateway' : 'api';

/** 1xx counts with 2xx (none is ever answered), anything past 5xx with 5xx. */
export function statusClassOf(status: number): StatusClass {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

export const minuteOf = (epochMs: number): number => Math.floor(epochMs / 60_000);
export const minuteKey = (minute: number): string => `${REQUEST_METRICS_PREFIX}${minute}`;

/** Index of the bucket a latency falls in: the first whose bound is ≥ ms; the last one above all. */
export function bucketIndex(ms: number): number {
  const index = BUCKET_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? BUCKET_BOUNDS_MS.length : index;
}

/** The `le=` label of bucket `index`. */
export const bucketLabel = (index: number): string => {
  const bound = BUCKET_BOUNDS_MS[index];
  return bound === undefined ? 'inf' : String(bound);
};

export const fieldOf = (routeClass: RouteClass, routeId: string, stat: string): string =>
  `${routeClass}|${routeId}|${stat}`;

/** The parts of a field name, or undefined for one this layout does not know. */
export function parseField(
  field: string,
): { routeClass: RouteClass; routeId: string; stat: string } | undefined {
  const [routeClass, routeId, stat, ...rest] = field.split('|');
  if (rest.length > 0 || routeId === undefined || routeId === '' || stat === undefined) return undefined;
  if (routeClass !== 'gateway' && routeClass !== 'api') return undefined;
  return { routeClass, routeId, stat };
}
