/**
 * The request recorder and the monitoring store on the shared local Redis (through the Upstash
 * REST bridge, UPSTASH_REDIS_REST_URL / _TOKEN from /work/stack-env.sh), with the real client.
 * Samples go to a minute of 2001 picked per run, which no deployed function writes nor any window
 * reads, and the key is deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { foldMinutes, quantileMs } from '#functions/monitoring/domain/histogram.ts';
import { redisRequestMetricsStore } from '#functions/monitoring/store/request-metrics.ts';
import { fieldOf, minuteKey, REQUEST_METRICS_TTL_SECONDS } from '#shared/metrics/request-histogram.ts';
import { quietPowertools } from '../../../support/apigw.ts';

const MINUTE = Math.floor(Date.UTC(2001, 0, 1) / 60_000) + randomInt(0, 500_000);
const AT = MINUTE * 60_000 + 1_000;

let redis: Awaited<ReturnType<typeof import('#shared/clients/redis.ts').getRedis>>;
let recorder: import('#shared/metrics/request-recorder.ts').RequestRecorder;

before(async () => {
  quietPowertools();
  redis = await (await import('#shared/clients/redis.ts')).getRedis();
  const { createRequestRecorder } = await import('#shared/metrics/request-recorder.ts');
  recorder = createRequestRecorder({ redis: async () => redis, budgetMs: 2_000 });
});

after(async () => {
  await redis.del(minuteKey(MINUTE));
});

describe('request metrics on the local Redis', () => {
  it('records requests with HINCRBY and a TTL, and reads them back in one pipelined HGETALL batch', async () => {
    const latencies = Array.from({ length: 40 }, (_, i) => 3 + i * 4.5);
    await Promise.all(
      latencies.map((ms, i) =>
        recorder.record({
          routeId: 'itest.route',
          routeClass: 'api',
          status: i < 38 ? 200 : 502,
          ms,
          at: AT,
        }),
      ),
    );

    const ttl = await redis.ttl(minuteKey(MINUTE));
    const raw = await redis.hget<number>(minuteKey(MINUTE), fieldOf('api', 'itest.route', 'count'));
    const minutes = await redisRequestMetricsStore(async () => redis).readMinutes([MINUTE - 1, MINUTE]);
    const [route] = foldMinutes(minutes);

    assert.deepEqual(recorder.counts(), { recorded: 40, dropped: 0, skipped: 0 });
    assert.ok(ttl > REQUEST_METRICS_TTL_SECONDS - 60 && ttl <= REQUEST_METRICS_TTL_SECONDS, `ttl ${ttl}`);
    assert.equal(Number(raw), 40);
    assert.equal(minutes[0], null);
    assert.equal(route?.routeId, 'itest.route');
    assert.equal(route?.histogram.count, 40);
    assert.equal(route?.histogram.statuses['5xx'], 2);
    assert.equal(route?.histogram.sumUs, Math.round(latencies.reduce((s, ms) => s + ms, 0) * 1000));
    // The true median (20th of 40) is 88.5 ms, in the (75, 100] bucket.
    const p50 = route === undefined ? null : quantileMs(route.histogram, 0.5);
    assert.ok(p50 !== null && p50 > 75 && p50 <= 100, `p50 ${p50}`);
  });
});
