/**
 * The two-level cache with the real @upstash/redis client against a private redis-server behind the
 * Upstash REST bridge (test/support/redis-sandbox.ts). Each `createCache` stands for one container:
 * its own L1, its own Redis client.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import type { CacheOptions, CacheRedis } from '#shared/cache/two-level-cache.ts';
import { quietPowertools } from '../../../support/apigw.ts';
import { type RedisSandbox, startRedisSandbox } from '../../../support/redis-sandbox.ts';

quietPowertools();
const { createCache } = await import('#shared/cache/two-level-cache.ts');

let sandbox: RedisSandbox | undefined;

before(async () => {
  sandbox = await startRedisSandbox();
});

after(async () => {
  await sandbox?.close();
});

function box(): RedisSandbox {
  assert.ok(sandbox, 'sandbox started');
  return sandbox;
}

/** A container: own client (no retries, like a cache that has its own fallbacks) and own L1. */
function container(namespace: string, options: Partial<CacheOptions> = {}) {
  const redis: CacheRedis = new Redis({
    url: box().url,
    token: box().token,
    retry: { retries: 0 },
    enableTelemetry: false,
  });
  // Generous: a loaded CI machine must not turn a slow first request into a miss. Timeouts are unit-tested.
  return createCache({ redis: () => redis, namespace, l2TimeoutMs: 1000, ...options });
}

const namespace = () => `it-${randomUUID().slice(0, 8)}`;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`${what} within ${timeoutMs} ms`);
}

describe('two-level cache on Redis', () => {
  it('a tag invalidation by one container is seen by an independent one', async () => {
    const ns = namespace();
    const a = container(ns, { tagVersionCacheMs: 0 });
    const b = container(ns, { tagVersionCacheMs: 0 });
    let plan = 'free';
    const opts = { dataClass: 'configuration' as const, tags: ['org:42'], load: async () => ({ plan }) };

    assert.equal((await a.get('org:42:billing', opts)).source, 'loader');
    assert.deepEqual(await b.get('org:42:billing', opts), { value: { plan: 'free' }, source: 'l2' });
    assert.equal((await b.get('org:42:billing', opts)).source, 'l1');

    plan = 'pro';
    await a.invalidateTags(['org:42']);

    assert.deepEqual(await b.get('org:42:billing', opts), { value: { plan: 'pro' }, source: 'loader' });
    assert.deepEqual(await a.get('org:42:billing', opts), { value: { plan: 'pro' }, source: 'l2' });
  });

  it('user invalidation and delete reach the other container’s L1', async () => {
    const ns = namespace();
    const a = container(ns, { tagVersionCacheMs: 0 });
    const b = container(ns, { tagVersionCacheMs: 0 });
    let n = 0;
    const load = async () => ++n;
    await a.get('tx:u1', { dataClass: 'transactions', userId: 'u1', load });
    await b.get('tx:u1', { dataClass: 'transactions', userId: 'u1', load });
    await a.get('stack:7', { dataClass: 'stackMetadata', load });
    await b.get('stack:7', { dataClass: 'stackMetadata', load });

    await a.invalidateUser('u1');
    await a.delete('stack:7');

    assert.equal((await b.get('tx:u1', { dataClass: 'transactions', userId: 'u1', load })).source, 'loader');
    assert.equal((await b.get('stack:7', { dataClass: 'stackMetadata', load })).source, 'loader');
  });

  it('50 concurrent misses across two containers run the loader once', async () => {
    const ns = namespace();
    const a = container(ns);
    const b = container(ns);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { templates: ['api', 'worker'] };
    };

    const results = await Promise.all(
      [a, b].flatMap((cache) =>
        Array.from({ length: 25 }, () => cache.get('catalogue', { dataClass: 'templates', load })),
      ),
    );

    assert.equal(loads, 1);
    for (const result of results) assert.deepEqual(result.value, { templates: ['api', 'worker'] });
    const sources = results.map((r) => r.source);
    assert.equal(sources.filter((s) => s === 'loader').length, 25, 'the winning container shares its load');
    assert.equal(sources.filter((s) => s === 'l2').length, 25, 'the other container waits and reads L2');
    assert.equal(a.stats().loads + b.stats().loads, 1);
  });

  it('keeps serving while Redis is stopped, and goes back to L2 when it returns', async () => {
    const ns = namespace();
    let skewMs = 0;
    const now = () => Date.now() + skewMs;
    const a = container(ns, { now, tagVersionCacheMs: 0, breakerMs: 200, unverifiedL1Ms: 60_000 });
    const fail = async (): Promise<never> => {
      throw new Error('database unavailable');
    };

    await a.get('hot', { dataClass: 'user', load: async () => 'hot v1' });
    await a.get('session', { dataClass: 'sessions', load: async () => 'session v1' });
    assert.equal((await a.health()).l2, 'ok');

    await box().stopRedis();

    assert.deepEqual(await a.get('hot', { dataClass: 'user', load: fail }), {
      value: 'hot v1',
      source: 'l1',
    });
    assert.deepEqual(await a.get('miss', { dataClass: 'user', load: async () => 'loaded' }), {
      value: 'loaded',
      source: 'loader',
    });
    skewMs = 301_000; // past the user TTL, within its stale window
    assert.deepEqual(await a.get('hot', { dataClass: 'user', load: fail }), {
      value: 'hot v1',
      source: 'stale',
    });
    assert.equal((await a.health()).l2, 'down');
    const down = a.stats();
    assert.equal(down.fallbacks, 3);
    assert.equal(down.stale, 1);
    assert.ok(down.l2.errors >= 3, `l2 errors: ${down.l2.errors}`);

    await box().startRedis();
    await waitFor(async () => (await a.health()).l2 === 'ok', 5_000, 'health ok after Redis restarted');
    const errorsAtRecovery = a.stats().l2.errors;

    // Redis came back empty: what this container cached before is not trusted (new epoch).
    assert.deepEqual(await a.get('session', { dataClass: 'sessions', load: async () => 'session v2' }), {
      value: 'session v2',
      source: 'loader',
    });
    // And L2 works again: another container reads what this one just wrote.
    assert.equal(
      (await container(ns, { now }).get('session', { dataClass: 'sessions', load: fail })).source,
      'l2',
    );
    assert.equal(a.stats().l2.errors, errorsAtRecovery, 'no Redis errors after recovery');
  });
});
