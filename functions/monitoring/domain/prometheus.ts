import { BUCKET_BOUNDS_MS, STATUS_CLASSES } from '#shared/metrics/request-histogram.ts';
import type { RouteHistogram } from './histogram.ts';

/** The exposition format's media type (text format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const DURATION = 'nimbus_http_request_duration_seconds';
const REQUESTS = 'nimbus_http_requests_total';

/** Label values escape backslash, double quote and line feed. */
export const escapeLabel = (value: string): string =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
/** HELP text escapes backslash and line feed. */
const escapeHelp = (value: string): string => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

const labels = (pairs: Readonly<Record<string, string>>) =>
  `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',')}}`;

/**
 * The routes' histograms in the Prometheus text format: the latency histogram (cumulative
 * `_bucket`s in seconds, `_sum`, `_count`) and requests by status class. Values are totals over
 * the window asked for, not since a process started: scrape with the window equal to the scrape
 * interval (or read them as gauges), since a total that drops as minutes leave the window would
 * look like a counter reset to `rate()`.
 */
export function toPrometheus(routes: readonly RouteHistogram[], window: string): string {
  const lines = [
    `# HELP ${DURATION} ${escapeHelp(`Server-side latency of API requests by route over the last ${window}.`)}`,
    `# TYPE ${DURATION} histogram`,
  ];
  for (const { routeId, histogram } of routes) {
    let cumulative = 0;
    histogram.buckets.forEach((n, index) => {
      cumulative += n;
      const bound = BUCKET_BOUNDS_MS[index];
      const le = bound === undefined ? '+Inf' : String(bound / 1000);
      lines.push(`${DURATION}_bucket${labels({ route: routeId, le })} ${cumulative}`);
    });
    lines.push(`${DURATION}_sum${labels({ route: routeId })} ${histogram.sumUs / 1e6}`);
    lines.push(`${DURATION}_count${labels({ route: routeId })} ${cumulative}`);
  }
  lines.push(
    `# HELP ${REQUESTS} ${escapeHelp(`API requests by route and status class over the last ${window}.`)}`,
    `# TYPE ${REQUESTS} counter`,
  );
  for (const { routeId, histogram } of routes) {
    for (const statusClass of STATUS_CLASSES) {
      const value = histogram.statuses[statusClass];
      lines.push(`${REQUESTS}${labels({ route: routeId, status_class: statusClass })} ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
