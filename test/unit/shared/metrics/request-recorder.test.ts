import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  fieldOf,
  minuteKey,
  minuteOf,
  REQUEST_METRICS_TTL_SECONDS,
} from '#shared/metrics/request-histogram.ts';
import type { RequestSample } from '#shared/metrics/request-recorder.ts';
import { quietPowertools } from '../../../support/apigw.ts';
import { Clock, FakeRedis } from '../../../support/fake-redis.ts';

let createRequestRecorder: typeof import('#shared/metrics/request-recorder.ts').createRequestRecorder;

before(async () => {
  quietPowertools();
  ({ createRequestRecorder } = await import('#shared/metrics/request-recorder.ts'));
});

function setup(budgetMs = 50) {
  const clock = new Clock();
  const redis = new FakeRedis(clock);
  const recorder = createRequestRecorder({
    redis: async () => redis,
    budgetMs,
    breakerMs: 10_000,
    now: clock.now,
  });
  const sample = (overrides: Partial<RequestSample> = {}): RequestSample => ({
    routeId: 'keys.list',
    routeClass: 'api',
    status: 200,
    ms: 42.4,
    at: clock.now(),
    ...overrides,
  });
  return { clock, redis, recorder, sample };
}

describe('request recorder', () => {
  it('writes one request in one pipelined round trip: bucket, count, status class, sum, TTL', async () => {
    const { clock, redis, recorder, sample } = setup();

    await recorder.record(sample());
    await recorder.record(sample({ status: 503, ms: 130 }));

    const key = minuteKey(minuteOf(clock.now()));
    assert.equal(redis.count('pipeline'), 2);
    assert.deepEqual(redis.readHash(key), {
      [fieldOf('api', 'keys.list', 'le=50')]: 1,
      [fieldOf('api', 'keys.list', 'le=150')]: 1,
      [fieldOf('api', 'keys.list', 'count')]: 2,
      [fieldOf('api', 'keys.list', '2xx')]: 1,
      [fieldOf('api', 'keys.list', '5xx')]: 1,
      [fieldOf('api', 'keys.list', 'sum_us')]: 42_400 + 130_000,
    });
    assert.equal(redis.pttl(key), REQUEST_METRICS_TTL_SECONDS * 1000);
    assert.deepEqual(recorder.counts(), { recorded: 2, dropped: 0, skipped: 0 });
  });

  it('files a request under the minute it ended in', async () => {
    const { clock, redis, recorder, sample } = setup();

    await recorder.record(sample());
    clock.advance(60_000);
    await recorder.record(sample());

    assert.equal(redis.store.size, 2);
  });

  it('gives up on a hanging Redis within its budget, then skips recording while the breaker is open', async () => {
    const { clock, redis, recorder, sample } = setup(30);
    redis.mode = 'hang';

    const started = performance.now();
    await recorder.record(sample());
    const waited = performance.now() - started;
    await recorder.record(sample());

    assert.ok(waited >= 25 && waited < 500, `waited ${waited} ms`);
    assert.deepEqual(recorder.counts(), { recorded: 0, dropped: 1, skipped: 1 });
    assert.equal(redis.count('pipeline'), 1);

    redis.mode = 'up';
    clock.advance(10_001);
    await recorder.record(sample());
    assert.equal(recorder.counts().recorded, 1);
  });

  it('never rejects when Redis refuses or the client cannot be created', async () => {
    const { redis, recorder, sample } = setup();
    redis.mode = 'down';
    await recorder.record(sample());

    const broken = createRequestRecorder({
      redis: async () => {
        throw new Error('Missing required environment variable UPSTASH_REDIS_REST_URL');
      },
    });
    await broken.record(sample());

    assert.equal(recorder.counts().dropped, 1);
    assert.equal(broken.counts().dropped, 1);
  });
});
