import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quietPowertools } from '../../../support/apigw.ts';
import { failing, loader, world } from '../../../support/cache-world.ts';

quietPowertools();
const { createCache } = await import('#shared/cache/two-level-cache.ts');

const USER_TTL_MS = 300_000;

describe('stale-while-error', () => {
  it('serves the expired value when the loader fails, within staleForSeconds, then rethrows', async () => {
    const { clock, make } = world(createCache);
    const cache = make({ staleForSeconds: 60 });
    await cache.get('k', { dataClass: 'user', load: async () => 'old' });
    const broken = failing();

    clock.advance(USER_TTL_MS + 59_999);
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: broken.load }), {
      value: 'old',
      source: 'stale',
    });

    clock.advance(1);
    await assert.rejects(cache.get('k', { dataClass: 'user', load: broken.load }), /database unavailable/);
    const stats = cache.stats();
    assert.deepEqual([stats.stale, stats.loadErrors, stats.fallbacks], [1, 2, 1]);
  });

  it('serves stale from L2 in a cold container', async () => {
    const { clock, make } = world(createCache);
    await make().get('k', { dataClass: 'user', load: async () => 'old' });
    clock.advance(USER_TTL_MS + 1);
    const cold = make();
    assert.deepEqual(await cold.get('k', { dataClass: 'user', load: failing().load }), {
      value: 'old',
      source: 'stale',
    });
  });

  it('never serves a value invalidated by a tag as stale', async () => {
    const { make } = world(createCache);
    const cache = make();
    await cache.get('k', { dataClass: 'user', tags: ['org:1'], load: async () => 'old' });
    await cache.invalidateTags(['org:1']);
    await assert.rejects(
      cache.get('k', { dataClass: 'user', tags: ['org:1'], load: failing().load }),
      /unavailable/,
    );
  });

  it('throws the loader error when there is nothing to serve', async () => {
    const { make } = world(createCache);
    await assert.rejects(
      make().get('k', { dataClass: 'user', load: failing('no such user').load }),
      /no such user/,
    );
  });
});

describe('Redis unavailable', () => {
  it('never throws: L1 keeps serving, a miss loads, health says down', async () => {
    const { redis, make } = world(createCache);
    const cache = make();
    const values = loader((n) => `v${n}`);
    await cache.get('cached', { dataClass: 'user', load: values.load });

    redis.mode = 'down';
    assert.deepEqual(await cache.get('cached', { dataClass: 'user', load: values.load }), {
      value: 'v1',
      source: 'l1',
    });
    assert.deepEqual(await cache.get('new', { dataClass: 'user', load: values.load }), {
      value: 'v2',
      source: 'loader',
    });
    assert.equal((await cache.health()).l2, 'down');
    const stats = cache.stats();
    assert.equal(stats.fallbacks, 2);
    assert.ok(stats.l2.errors >= 2);

    redis.mode = 'up';
    assert.equal((await cache.health()).l2, 'ok');
    assert.equal((await make().get('new', { dataClass: 'user', load: values.load })).source, 'loader');
  });

  it('bounds a hanging Redis by l2TimeoutMs', async () => {
    const { redis, make } = world(createCache);
    const cache = make({ l2TimeoutMs: 30 });
    redis.mode = 'hang';
    const started = Date.now();
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: async () => 'v' }), {
      value: 'v',
      source: 'loader',
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 25 && elapsed < 500, `took ${elapsed} ms`);
  });

  it('skips Redis for breakerMs after a failure, then tries again', async () => {
    const { clock, redis, make } = world(createCache);
    const cache = make({ breakerMs: 1000 });
    redis.mode = 'down';
    const values = loader((n) => n);
    await cache.get('a', { dataClass: 'user', load: values.load });
    const afterFirst = redis.calls.length;
    await cache.get('b', { dataClass: 'user', load: values.load });
    await cache.get('c', { dataClass: 'user', load: values.load });
    assert.equal(redis.calls.length, afterFirst, 'no Redis call while the breaker is open');

    redis.mode = 'up';
    clock.advance(1000);
    await cache.get('d', { dataClass: 'user', load: values.load });
    assert.ok(redis.calls.length > afterFirst);
    assert.equal((await make().get('d', { dataClass: 'user', load: values.load })).source, 'l2');
  });

  it('reloads L1 entries not confirmed within unverifiedL1Ms, and serves them stale if that fails', async () => {
    const { clock, redis, make } = world(createCache);
    const cache = make({ unverifiedL1Ms: 5000, breakerMs: 0 });
    await cache.get('k', { dataClass: 'user', load: async () => 'old' });
    redis.mode = 'down';

    clock.advance(5000);
    assert.equal((await cache.get('k', { dataClass: 'user', load: async () => 'unused' })).source, 'l1');
    clock.advance(1);
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: failing().load }), {
      value: 'old',
      source: 'stale',
    });
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: async () => 'new' }), {
      value: 'new',
      source: 'loader',
    });
    assert.equal((await cache.get('k', { dataClass: 'user', load: async () => 'unused' })).source, 'l1');
  });

  it('an entry loaded while Redis was down is re-checked once Redis is back', async () => {
    const { redis, make } = world(createCache);
    const a = make({ breakerMs: 0 });
    const b = make();
    redis.mode = 'down';
    await a.get('k', { dataClass: 'user', tags: ['org:1'], load: async () => 'during outage' });
    redis.mode = 'up';
    await b.invalidateTags(['org:1']);
    // a never read the version of org:1, so its entry cannot be trusted: it goes back to the source.
    assert.deepEqual(await a.get('k', { dataClass: 'user', tags: ['org:1'], load: async () => 'after' }), {
      value: 'after',
      source: 'loader',
    });
  });

  it('a failed invalidation drops the entries here, is counted, and does not throw', async () => {
    const { redis, make } = world(createCache);
    const cache = make({ breakerMs: 0 });
    await cache.get('k', { dataClass: 'user', userId: 'u1', load: async () => 'old' });
    redis.mode = 'down';
    await cache.invalidateUser('u1');
    assert.equal(cache.stats().invalidationErrors, 1);
    assert.deepEqual(await cache.get('k', { dataClass: 'user', userId: 'u1', load: async () => 'new' }), {
      value: 'new',
      source: 'loader',
    });
  });

  it('does not trust anything cached before Redis lost its data (new epoch)', async () => {
    const { redis, make } = world(createCache);
    const a = make();
    await a.get('k', { dataClass: 'user', tags: ['org:1'], load: async () => 'before' });
    // Another container invalidated org:1, then Redis restarted empty: the version is '0' again.
    await make().invalidateTags(['org:1']);
    redis.store.clear();
    assert.deepEqual(await a.get('k', { dataClass: 'user', tags: ['org:1'], load: async () => 'after' }), {
      value: 'after',
      source: 'loader',
    });
  });

  it('a Redis client that cannot be created counts as Redis down', async () => {
    const { make } = world(createCache);
    const cache = make({
      redis: () => Promise.reject(new Error('secret not found')),
    });
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: async () => 'v' }), {
      value: 'v',
      source: 'loader',
    });
    assert.equal((await cache.health()).l2, 'down');
  });
});
