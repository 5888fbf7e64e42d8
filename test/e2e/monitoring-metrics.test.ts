/**
 * Request metrics end to end: a burst of requests to one route, each timed by the client, then the
 * metrics routes must have counted them all and report percentiles consistent with the client's.
 *
 * Each request's server-side latency is at most what the client measured (the client adds the
 * network and the gateway), request by request, so the server's k-th smallest latency is at most
 * the client's k-th smallest. The server's estimate lies in the bucket of its true value, so it is
 * at most the upper bound of the bucket holding the client's value at the same rank: that bound
 * can fail (latency recorded in the wrong unit, wrong bucket, lost requests), without being flaky
 * (no lower bound is asserted, since the network can take any share of the client's time).
 * The burst goes to the performance route, which nothing else in the suites calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKET_BOUNDS_MS, bucketIndex } from '../../functions/shared/metrics/request-histogram.ts';
import { bearer, json, localAdmin, loginAs, pastAuthorizerCache, registerUser } from '../support/identity.ts';
import { parsePrometheus } from '../support/prometheus.ts';
import { call } from '../support/stack.ts';

const BURST = 60;
const ROUTE_ID = 'monitoring.performance';

/** The upper bound of the bucket a latency falls in; past the last bound, the 5000 ms the estimate is capped at. */
function bucketUpper(ms: number): number {
  return BUCKET_BOUNDS_MS[bucketIndex(ms)] ?? BUCKET_BOUNDS_MS.at(-1) ?? 0;
}

async function operatorToken(): Promise<string> {
  // A viewer of its own, so the burst spends its own per-principal budget (100 per minute).
  const { email, id } = await registerUser('metrics-burst');
  const admin = await loginAs(localAdmin().email, localAdmin().password);
  const set = await call(
    `/v1/admin/users/${id}/roles`,
    json({ roles: ['viewer'] }, bearer(admin.accessToken)),
  );
  assert.equal(set.status, 200);
  await pastAuthorizerCache();
  return (await loginAs(email)).accessToken;
}

describe('request metrics on the deployed API', () => {
  it('counts a burst and reports percentiles within bucket resolution of the client’s timings', async () => {
    const auth = bearer(await operatorToken());
    const started = Date.now();
    const client: number[] = [];
    for (let i = 0; i < BURST; i += 1) {
      const t0 = performance.now();
      const response = await call('/v1/monitoring/performance?window=1m', { headers: auth });
      client.push(performance.now() - t0);
      assert.equal(response.status, 200, response.text);
    }
    const window = `${Math.ceil((Date.now() - started) / 60_000) + 1}m`;

    const metrics = await call(`/v1/monitoring/metrics?window=${window}`, { headers: auth });
    const prometheus = await call(`/v1/monitoring/metrics/prometheus?window=${window}`, { headers: auth });

    assert.equal(metrics.status, 200, metrics.text);
    const routes = metrics.json?.routes as Record<string, Record<string, number | string | null>>;
    const route = routes[ROUTE_ID];
    assert.ok(route !== undefined, `no metrics for ${ROUTE_ID}: ${metrics.text}`);
    const count = Number(route.count);
    assert.ok(count >= BURST, `counted ${count} of ${BURST}`);
    assert.equal(route.class, 'api');
    assert.equal(route.errorRate, 0);
    const sorted = [...client].sort((a, b) => a - b);
    const estimates: number[] = [];
    for (const [name, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      const server = Number(route[name]);
      const rank = Math.min(Math.ceil(q * count), BURST);
      const clientAtRank = sorted[rank - 1] ?? Number.NaN;
      assert.ok(server > 0, `${name} ${server}`);
      assert.ok(
        server <= bucketUpper(clientAtRank),
        `server ${name} ${server} ms above the bucket of the client's ${clientAtRank.toFixed(1)} ms`,
      );
      estimates.push(server);
    }
    assert.deepEqual(
      [...estimates].sort((a, b) => a - b),
      estimates,
      'p50 ≤ p95 ≤ p99',
    );

    assert.equal(prometheus.status, 200, prometheus.text);
    assert.match(prometheus.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = await parsePrometheus(prometheus.text);
    const histogram = families
      .find((f) => f.name === 'nimbus_http_request_duration_seconds')
      ?.metrics.find((m) => m.labels?.route === ROUTE_ID);
    assert.ok(histogram !== undefined, 'the route has a histogram');
    const promCount = Number(histogram.count);
    assert.ok(promCount >= count, `prometheus count ${promCount}`);
    const cumulative = BUCKET_BOUNDS_MS.map((ms) => Number(histogram.buckets?.[String(ms / 1000)]));
    assert.deepEqual(
      [...cumulative].sort((a, b) => a - b),
      cumulative,
      'buckets are cumulative',
    );
    assert.ok((cumulative.at(-1) ?? 0) <= promCount);
    // Server time never exceeds client time, request by request: so do their sums (scaled for
    // any requests of the window not from this burst).
    const clientSumSeconds = client.reduce((sum, ms) => sum + ms, 0) / 1000;
    assert.ok(
      Number(histogram.sum) <= (clientSumSeconds * promCount) / BURST,
      `server sum ${histogram.sum} s over client ${clientSumSeconds.toFixed(3)} s`,
    );
    const requests = families
      .find((f) => f.name === 'nimbus_http_requests_total')
      ?.metrics.find((m) => m.labels?.route === ROUTE_ID && m.labels.status_class === '2xx');
    assert.ok(Number(requests?.value) >= BURST);
  });

  it('measures the route classes against the stage SLOs and rejects a window past 24 h', async () => {
    const auth = bearer(await operatorToken());

    const performance = await call('/v1/monitoring/performance?window=15m', { headers: auth });
    const tooLong = await call('/v1/monitoring/metrics?window=25h', { headers: auth });

    assert.equal(performance.status, 200, performance.text);
    const classes = performance.json?.classes as Record<string, { slo: { p95Ms: number }; count: number }>;
    assert.equal(classes.api?.slo.p95Ms, 200);
    assert.equal(classes.gateway?.slo.p95Ms, 100);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.headers.get('content-type'), 'application/problem+json');
  });
});
