import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyHistogram, type RouteHistogram } from '#functions/monitoring/domain/histogram.ts';
import { escapeLabel, toPrometheus } from '#functions/monitoring/domain/prometheus.ts';
import { BUCKET_BOUNDS_MS, bucketIndex } from '#shared/metrics/request-histogram.ts';
import { parsePrometheus } from '../../support/prometheus.ts';

function route(
  routeId: string,
  latencies: readonly number[],
  statuses: Partial<Record<'2xx' | '4xx' | '5xx', number>>,
): RouteHistogram {
  const histogram = emptyHistogram();
  for (const ms of latencies) {
    const i = bucketIndex(ms);
    histogram.buckets[i] = (histogram.buckets[i] ?? 0) + 1;
    histogram.count += 1;
    histogram.sumUs += ms * 1000;
  }
  Object.assign(histogram.statuses, statuses);
  return { routeId, routeClass: 'api', histogram };
}

describe('Prometheus exposition', () => {
  const routes = [
    route('keys.list', [3, 40, 40, 180, 9000], { '2xx': 4, '5xx': 1 }),
    route('odd"route\\with\nbreaks', [12], { '4xx': 1 }),
  ];
  const text = toPrometheus(routes, '15m');

  it('writes HELP and TYPE lines, cumulative buckets in seconds, +Inf, _sum and _count', () => {
    const lines = text.split('\n');

    assert.ok(lines.includes('# TYPE nimbus_http_request_duration_seconds histogram'));
    assert.ok(lines.includes('# TYPE nimbus_http_requests_total counter'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_bucket{route="keys.list",le="0.005"} 1'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_bucket{route="keys.list",le="0.05"} 3'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_bucket{route="keys.list",le="5"} 4'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_bucket{route="keys.list",le="+Inf"} 5'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_sum{route="keys.list"} 9.263'));
    assert.ok(lines.includes('nimbus_http_request_duration_seconds_count{route="keys.list"} 5'));
    assert.ok(lines.includes('nimbus_http_requests_total{route="keys.list",status_class="5xx"} 1'));
    assert.ok(text.endsWith('\n'));
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.ok(text.includes('route="odd\\"route\\\\with\\nbreaks"'));
  });

  it('parses with a real Prometheus text parser into the histogram and counter families', async () => {
    const families = await parsePrometheus(text);

    const duration = families.find((f) => f.name === 'nimbus_http_request_duration_seconds');
    const requests = families.find((f) => f.name === 'nimbus_http_requests_total');
    assert.equal(duration?.type, 'HISTOGRAM');
    assert.equal(requests?.type, 'COUNTER');
    const keys = duration?.metrics.find((m) => m.labels?.route === 'keys.list');
    assert.equal(Number(keys?.count), 5);
    assert.equal(Number(keys?.sum), 9.263);
    assert.equal(Number(keys?.buckets?.['0.05']), 3);
    assert.equal(
      Object.keys(keys?.buckets ?? {}).filter((le) => le !== '+Inf').length,
      BUCKET_BOUNDS_MS.length,
    );
    const odd = duration?.metrics.find((m) => m.labels?.route === 'odd"route\\with\nbreaks');
    assert.equal(Number(odd?.count), 1);
    const errors = requests?.metrics.find(
      (m) => m.labels?.route === 'keys.list' && m.labels.status_class === '5xx',
    );
    assert.equal(Number(errors?.value), 1);
  });
});
