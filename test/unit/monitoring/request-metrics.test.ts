import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PerformanceDeps } from '#functions/monitoring/deps.ts';
import { redisRequestMetricsStore } from '#functions/monitoring/store/request-metrics.ts';
import {
  performanceReport,
  prometheusMetrics,
  requestMetrics,
} from '#functions/monitoring/use-cases/request-metrics.ts';
import { DEFAULT_SLO_SETTINGS } from '#shared/config/slo.ts';
import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import type { RequestSample } from '#shared/metrics/request-recorder.ts';
import { quietPowertools } from '../../support/apigw.ts';
import { Clock, FakeRedis } from '../../support/fake-redis.ts';

let createRequestRecorder: typeof import('#shared/metrics/request-recorder.ts').createRequestRecorder;

before(async () => {
  quietPowertools();
  ({ createRequestRecorder } = await import('#shared/metrics/request-recorder.ts'));
});

/** 30 s into a minute, so the current minute's share of a window is known. */
const START = Date.UTC(2030, 0, 1, 12, 0, 30);

function world() {
  const clock = new Clock(START);
  const redis = new FakeRedis(clock);
  const recorder = createRequestRecorder({ redis: async () => redis, now: clock.now });
  const deps: PerformanceDeps = {
    store: redisRequestMetricsStore(async () => redis),
    now: clock.now,
    slo: DEFAULT_SLO_SETTINGS,
  };
  const record = (count: number, sample: Omit<RequestSample, 'at'>) =>
    Promise.all(Array.from({ length: count }, () => recorder.record({ ...sample, at: clock.now() })));
  return { clock, redis, deps, record };
}

describe('request metrics use cases', () => {
  it('reports per route count, error rates, percentiles and throughput over the window', async () => {
    const { clock, deps, record } = world();
    await record(90, { routeId: 'keys.list', routeClass: 'api', status: 200, ms: 40 });
    clock.advance(60_000);
    await record(8, { routeId: 'keys.list', routeClass: 'api', status: 404, ms: 8 });
    await record(2, { routeId: 'keys.list', routeClass: 'api', status: 500, ms: 900 });
    await record(10, { routeId: 'auth.login', routeClass: 'gateway', status: 200, ms: 120 });

    const report = await requestMetrics(deps, { label: '2m', minutes: 2 });

    const keys = report.routes['keys.list'];
    assert.equal(keys?.class, 'api');
    assert.equal(keys?.count, 100);
    assert.equal(keys?.errorRate, 0.02);
    assert.equal(keys?.clientErrorRate, 0.08);
    // 8 fast, then 90 in (25, 50]: p50 is rank 50, 42 of 90 into that bucket.
    assert.equal(keys?.p50, 36.67);
    assert.ok((keys?.p99 ?? 0) > 750 && (keys?.p99 ?? 0) <= 1000);
    // Two minutes asked at 30 s into the second: 90 s covered.
    assert.equal(report.seconds, 90);
    assert.equal(keys?.throughput, Math.round((100 / 90) * 10_000) / 10_000);
    assert.equal(report.totals.count, 110);
    assert.equal(report.routes['auth.login']?.p50, 100 + 50 * 0.5);
  });

  it('leaves out minutes before the window', async () => {
    const { clock, deps, record } = world();
    await record(5, { routeId: 'keys.list', routeClass: 'api', status: 200, ms: 40 });
    clock.advance(5 * 60_000);

    const report = await requestMetrics(deps, { label: '5m', minutes: 5 });

    assert.deepEqual(report.routes, {});
    assert.equal(report.totals.count, 0);
    assert.equal(report.totals.p95, null);
  });

  it('reads every minute of a 24 h window in one pipelined round trip', async () => {
    const { redis, deps } = world();

    await requestMetrics(deps, { label: '24h', minutes: 1440 });

    assert.equal(redis.count('pipeline'), 1);
  });

  it('measures each route class against its SLO and reports the error budget left', async () => {
    const { deps, record } = world();
    // api (p95 ≤ 200 ms, 99.9 %): 1000 requests, 20 over 200 ms, one 5xx.
    await record(979, { routeId: 'keys.list', routeClass: 'api', status: 200, ms: 60 });
    await record(20, { routeId: 'keys.list', routeClass: 'api', status: 200, ms: 400 });
    await record(1, { routeId: 'keys.list', routeClass: 'api', status: 503, ms: 20 });
    // gateway (p95 ≤ 100 ms): half over.
    await record(10, { routeId: 'auth.login', routeClass: 'gateway', status: 200, ms: 20 });
    await record(10, { routeId: 'auth.login', routeClass: 'gateway', status: 200, ms: 400 });

    const { classes } = await performanceReport(deps, { label: '15m', minutes: 15 });

    assert.equal(classes.api.count, 1000);
    assert.equal(classes.api.latency.met, true);
    assert.equal(classes.api.latency.slowShare, 0.02);
    assert.equal(classes.api.latency.budgetRemaining, 0.6);
    assert.equal(classes.api.availability.actual, 0.999);
    assert.equal(classes.api.availability.met, true);
    assert.equal(classes.api.availability.errorBudgetRemaining, 0);
    assert.equal(classes.gateway.latency.met, false);
    assert.equal(classes.gateway.latency.budgetRemaining, -9);
    assert.deepEqual(classes.gateway.slo, DEFAULT_SLO_SETTINGS.gateway);
  });

  it('reports no verdict for a class without requests', async () => {
    const { deps } = world();

    const { classes } = await performanceReport(deps, { label: '1h', minutes: 60 });

    assert.equal(classes.gateway.latency.met, null);
    assert.equal(classes.gateway.availability.met, null);
    assert.equal(classes.gateway.availability.errorBudgetRemaining, 1);
  });

  it('is unavailable when Redis cannot be read', async () => {
    const { redis, deps } = world();
    redis.mode = 'down';

    await assert.rejects(requestMetrics(deps, { label: '15m', minutes: 15 }), DependencyUnavailableError);
    await assert.rejects(prometheusMetrics(deps, { label: '15m', minutes: 15 }), DependencyUnavailableError);
  });
});
