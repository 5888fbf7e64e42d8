import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bundleProfile, recordsRequestMetrics } from '#shared/config/bundle.ts';
import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import { defineRoute } from '#shared/http/route.ts';
import { fieldOf, minuteKey, minuteOf } from '#shared/metrics/request-histogram.ts';
import { authorizerContext, invoker, quietPowertools, restEvent } from '../../support/apigw.ts';
import { Clock, FakeRedis } from '../../support/fake-redis.ts';

const row = (auth: 'public' | 'principal') =>
  defineRoute({
    id: auth === 'public' ? 'widgets.peek' : 'widgets.read',
    method: 'GET',
    path: '/v1/widgets',
    handler: 'functions/widgets/handlers/read.ts',
    summary: 'Read widgets',
    tags: ['widgets'],
    auth,
    permission: auth === 'public' ? null : 'widgets:read',
    rateLimit: [],
    cache: null,
    needs: ['redis'],
    responses: { 200: { description: 'Widgets' } },
  });

let pipeline: typeof import('#shared/http/pipeline.ts');
let metrics: typeof import('#shared/metrics/request-recorder.ts');

before(async () => {
  quietPowertools();
  pipeline = await import('#shared/http/pipeline.ts');
  metrics = await import('#shared/metrics/request-recorder.ts');
});

function world(budgetMs = 50) {
  const clock = new Clock(Date.now());
  const redis = new FakeRedis(clock);
  const recorder = metrics.createRequestRecorder({ redis: async () => redis, budgetMs });
  const hash = () => redis.readHash(minuteKey(minuteOf(clock.now())));
  return { redis, recorder, hash };
}

const principal = authorizerContext({ id: 'u-1', permissions: ['widgets:read'] });
const event = (authorizer?: Record<string, string>) =>
  restEvent({ path: '/v1/widgets', ...(authorizer ? { authorizer } : {}) });

describe('pipeline: request metrics', () => {
  it('records every answered request once, under its route and class, whatever its status', async () => {
    const { redis, recorder, hash } = world();
    let outcome: 'ok' | 'missing' | 'crash' = 'ok';
    const handler = invoker(
      pipeline.httpHandler(
        row('principal'),
        async () => {
          if (outcome === 'missing') throw new ResourceNotFoundError('widget', 'w1');
          if (outcome === 'crash') throw new Error('boom');
          await new Promise((resolve) => setTimeout(resolve, 30));
          return { body: [] };
        },
        { requestMetrics: recorder },
      ),
    );

    assert.equal((await handler(event(principal))).statusCode, 200);
    outcome = 'missing';
    assert.equal((await handler(event(principal))).statusCode, 404);
    outcome = 'crash';
    assert.equal((await handler(event(principal))).statusCode, 500);
    assert.equal((await handler(event())).statusCode, 401);

    const field = (stat: string) => fieldOf('api', 'widgets.read', stat);
    const fields = hash();
    assert.equal(fields[field('count')], 4);
    assert.equal(fields[field('2xx')], 1);
    assert.equal(fields[field('4xx')], 2);
    assert.equal(fields[field('5xx')], 1);
    assert.equal(redis.count('pipeline'), 4);
    // The 200 waited 30 ms in the route: its latency is at least that, in the (25, 50] bucket or above.
    assert.ok(Number(fields[field('sum_us')]) >= 30_000);
    const inBuckets = Object.entries(fields)
      .filter(([name]) => name.startsWith(field('le=')))
      .reduce((sum, [, n]) => sum + Number(n), 0);
    assert.equal(inBuckets, 4);
    const fast = ['le=5', 'le=10', 'le=25'].reduce((sum, stat) => sum + Number(fields[field(stat)] ?? 0), 0);
    assert.ok(fast <= 3, 'the 200 that waited 30 ms is not in a bucket under 25 ms');
  });

  it('files public routes under the gateway class', async () => {
    const { recorder, hash } = world();
    const handler = invoker(
      pipeline.httpHandler(row('public'), async () => ({ body: [] }), { requestMetrics: recorder }),
    );

    await handler(event());

    assert.equal(hash()[fieldOf('gateway', 'widgets.peek', 'count')], 1);
  });

  it('answers within the budget when Redis hangs, and does not wait on it again while the breaker is open', async () => {
    const { redis, recorder } = world(40);
    redis.mode = 'hang';
    const handler = invoker(
      pipeline.httpHandler(row('public'), async () => ({ body: [] }), { requestMetrics: recorder }),
    );

    const first = performance.now();
    const response = await handler(event());
    const firstMs = performance.now() - first;
    const second = performance.now();
    await handler(event());
    const secondMs = performance.now() - second;

    assert.equal(response.statusCode, 200);
    assert.ok(firstMs < 400, `first request took ${firstMs} ms`);
    assert.ok(secondMs < 35, `second request took ${secondMs} ms`);
    assert.deepEqual(recorder.counts(), { recorded: 0, dropped: 1, skipped: 1 });
  });

  it('records only routes with the redis need: nothing gets a client for metrics alone', () => {
    const withoutRedis = { ...row('public'), needs: ['app:read'] as const };

    assert.equal(recordsRequestMetrics(row('public')), true);
    assert.equal(recordsRequestMetrics(withoutRedis), false);
    assert.equal(bundleProfile(withoutRedis, false).requestMetrics, false);
    assert.equal(bundleProfile(row('public'), false).requestMetrics, true);
  });
});
