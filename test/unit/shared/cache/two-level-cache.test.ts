import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATA_CLASSES, type DataClass } from '#shared/cache/data-classes.ts';
import { quietPowertools } from '../../../support/apigw.ts';
import { delay, loader, world } from '../../../support/cache-world.ts';

quietPowertools();
const { createCache } = await import('#shared/cache/two-level-cache.ts');

describe('TTL per data class', () => {
  for (const [dataClass, seconds] of Object.entries(DATA_CLASSES) as [DataClass, number][]) {
    it(`${dataClass}: served from L1 for ${seconds} s, reloaded after`, async () => {
      const { clock, redis, make } = world(createCache);
      const cache = make();
      const users = loader((n) => ({ version: n }));
      const get = () => cache.get('k', { dataClass, load: users.load });

      assert.deepEqual(await get(), { value: { version: 1 }, source: 'loader' });
      clock.advance(seconds * 1000 - 1);
      assert.deepEqual(await get(), { value: { version: 1 }, source: 'l1' });
      clock.advance(1);
      assert.deepEqual(await get(), { value: { version: 2 }, source: 'loader' });
      // L2 keeps the value past expiry for as long as it may be served stale (default: one more TTL).
      assert.equal(redis.pttl('nimbus:cache:unit:e:k'), 2 * seconds * 1000);
    });
  }

  it('honours TTL overrides', async () => {
    const { clock, make } = world(createCache);
    const cache = make({ ttls: { user: 10 } });
    const users = loader((n) => n);
    await cache.get('k', { dataClass: 'user', load: users.load });
    clock.advance(10_000);
    assert.equal((await cache.get('k', { dataClass: 'user', load: users.load })).source, 'loader');
    assert.equal(users.calls, 2);
  });
});

describe('two levels', () => {
  it('a second container gets from L2, then from its own L1', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    const stacks = loader(() => ({ id: 'st-1' }));

    assert.equal(
      (await a.get('stack:1', { dataClass: 'stackMetadata', load: stacks.load })).source,
      'loader',
    );
    assert.deepEqual(await b.get('stack:1', { dataClass: 'stackMetadata', load: stacks.load }), {
      value: { id: 'st-1' },
      source: 'l2',
    });
    assert.equal((await b.get('stack:1', { dataClass: 'stackMetadata', load: stacks.load })).source, 'l1');
    assert.equal(stacks.calls, 1);
  });

  it('an L1 hit costs no Redis call while tag versions are fresh, one MGET of versions after', async () => {
    const { clock, redis, make } = world(createCache);
    const cache = make({ tagVersionCacheMs: 1000 });
    const config = loader(() => 'v');
    await cache.get('cfg', { dataClass: 'configuration', tags: ['org:1'], load: config.load });
    const before = redis.calls.length;
    for (let i = 0; i < 100; i++)
      await cache.get('cfg', { dataClass: 'configuration', tags: ['org:1'], load: config.load });
    assert.equal(redis.calls.length, before);

    clock.advance(1000);
    assert.equal(
      (await cache.get('cfg', { dataClass: 'configuration', tags: ['org:1'], load: config.load })).source,
      'l1',
    );
    assert.deepEqual(redis.calls.slice(before), ['mget']);
  });

  it('returns the JSON form from every level, so L1 and L2 hits look alike', async () => {
    const { make } = world(createCache);
    const a = make();
    const at = new Date('2030-01-01T00:00:00Z');
    const fromLoader = await a.get('d', { dataClass: 'user', load: async () => ({ at }) });
    const fromL1 = await a.get('d', { dataClass: 'user', load: async () => ({ at }) });
    const fromL2 = await make().get('d', { dataClass: 'user', load: async () => ({ at }) });
    for (const result of [fromLoader, fromL1, fromL2])
      assert.deepEqual(result.value, { at: at.toISOString() });
  });

  it('caches null but not undefined', async () => {
    const { make } = world(createCache);
    const cache = make();
    const nothing = loader(() => null);
    const absent = loader(() => undefined);
    await cache.get('n', { dataClass: 'user', load: nothing.load });
    assert.equal((await cache.get('n', { dataClass: 'user', load: nothing.load })).source, 'l1');
    await cache.get('u', { dataClass: 'user', load: absent.load });
    assert.equal((await cache.get('u', { dataClass: 'user', load: absent.load })).source, 'loader');
  });
});

describe('L1 bound', () => {
  it('keeps at most l1MaxEntries, evicting the least recently used', async () => {
    const { redis, make } = world(createCache);
    const cache = make({ l1MaxEntries: 3 });
    const values = loader((n) => n);
    const get = (key: string) => cache.get(key, { dataClass: 'user', load: values.load });

    for (const key of ['a', 'b', 'c']) await get(key);
    await get('a'); // 'b' is now the least recently used
    await get('d');
    assert.equal(cache.stats().l1.size, 3);

    redis.mode = 'down'; // only L1 can answer now
    assert.equal((await get('a')).source, 'l1');
    assert.equal((await get('c')).source, 'l1');
    assert.equal((await get('d')).source, 'l1');
    assert.equal((await get('b')).source, 'loader');
  });
});

describe('tag invalidation', () => {
  it('is seen by another container on its next read', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    let name = 'old';
    const org = loader(() => name);
    const opts = { dataClass: 'configuration' as const, tags: ['org:1'], load: org.load };
    await a.get('org:1:settings', opts);
    assert.equal((await b.get('org:1:settings', opts)).source, 'l2');

    name = 'new';
    await a.invalidateTags(['org:1']);

    assert.deepEqual(await b.get('org:1:settings', opts), { value: 'new', source: 'loader' });
    assert.deepEqual(await a.get('org:1:settings', opts), { value: 'new', source: 'l2' });
  });

  it('is seen within tagVersionCacheMs when versions are cached (the documented bound)', async () => {
    const { clock, make } = world(createCache);
    const a = make();
    const b = make({ tagVersionCacheMs: 1000 });
    let name = 'old';
    const opts = { dataClass: 'configuration' as const, tags: ['org:1'], load: async () => name };
    await b.get('s', opts);
    name = 'new';
    await a.invalidateTags(['org:1']);

    assert.deepEqual(await b.get('s', opts), { value: 'old', source: 'l1' });
    clock.advance(1000);
    assert.deepEqual(await b.get('s', opts), { value: 'new', source: 'loader' });
  });

  it('is seen by the very next read with confirmEveryHit, even while versions are cached', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make({ tagVersionCacheMs: 60_000 });
    let name = 'old';
    const opts = {
      dataClass: 'configuration' as const,
      tags: ['keys'],
      confirmEveryHit: true,
      load: async () => name,
    };
    await b.get('jwks', opts);
    assert.deepEqual(await b.get('jwks', opts), { value: 'old', source: 'l1' });

    name = 'new';
    await a.invalidateTags(['keys']);

    assert.deepEqual(await b.get('jwks', opts), { value: 'new', source: 'loader' });
  });

  it('leaves entries without the tag alone', async () => {
    const { make } = world(createCache);
    const cache = make();
    const values = loader((n) => n);
    await cache.get('x', { dataClass: 'stats', tags: ['org:1'], load: values.load });
    await cache.get('y', { dataClass: 'stats', tags: ['org:2'], load: values.load });
    await cache.invalidateTags(['org:1']);
    assert.equal(
      (await cache.get('x', { dataClass: 'stats', tags: ['org:1'], load: values.load })).source,
      'loader',
    );
    assert.equal(
      (await cache.get('y', { dataClass: 'stats', tags: ['org:2'], load: values.load })).source,
      'l1',
    );
  });

  it('is not lost when it races a load: the entry written by that load is already outdated', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = loader(async (n) => {
      if (n === 1) await gate;
      return `load ${n}`;
    });
    const opts = { dataClass: 'templates' as const, tags: ['tpl'], load: slow.load };

    const first = a.get('t', opts);
    await delay(5); // the load has started with the versions read before it
    await b.invalidateTags(['tpl']);
    release();
    assert.deepEqual(await first, { value: 'load 1', source: 'loader' });

    assert.deepEqual(await b.get('t', opts), { value: 'load 2', source: 'loader' });
    assert.deepEqual(await a.get('t', opts), { value: 'load 2', source: 'l2' });
  });
});

describe('user invalidation and delete', () => {
  it('invalidateUser drops every entry of that user in every container, and only those', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    const values = loader((n) => n);
    const get = (cache: typeof a, key: string, userId: string) =>
      cache.get(key, { dataClass: 'transactions', userId, load: values.load });

    await get(a, 'tx:u1', 'u1');
    await get(a, 'profile:u1', 'u1');
    await get(a, 'tx:u2', 'u2');
    await get(b, 'tx:u1', 'u1');

    await a.invalidateUser('u1');

    assert.equal((await get(b, 'tx:u1', 'u1')).source, 'loader');
    assert.equal((await get(a, 'profile:u1', 'u1')).source, 'loader');
    assert.equal((await get(a, 'tx:u2', 'u2')).source, 'l1');
  });

  it('invalidateUser is the tag user:<id>', async () => {
    const { make } = world(createCache);
    const cache = make();
    const values = loader((n) => n);
    await cache.get('k', { dataClass: 'user', tags: ['user:u9'], load: values.load });
    await cache.invalidateUser('u9');
    assert.equal(
      (await cache.get('k', { dataClass: 'user', tags: ['user:u9'], load: values.load })).source,
      'loader',
    );
  });

  it('delete removes the key from L2 and from other containers’ L1', async () => {
    const { redis, make } = world(createCache);
    const a = make();
    const b = make();
    const values = loader((n) => n);
    await a.get('k', { dataClass: 'sessions', load: values.load });
    await b.get('k', { dataClass: 'sessions', load: values.load });

    await a.delete('k');

    assert.equal(redis.store.has('nimbus:cache:unit:e:k'), false);
    assert.deepEqual(await b.get('k', { dataClass: 'sessions', load: values.load }), {
      value: 2,
      source: 'loader',
    });
  });
});

describe('stampede protection', () => {
  it('50 concurrent misses in one container run the loader once', async () => {
    const { make } = world(createCache);
    const cache = make();
    const slow = loader(async () => {
      await delay(20);
      return 'v';
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.get('hot', { dataClass: 'stats', load: slow.load })),
    );
    assert.equal(slow.calls, 1);
    assert.ok(results.every((r) => r.value === 'v'));
    assert.equal(cache.stats().loads, 1);
  });

  it('concurrent misses in two containers run the loader once (Redis lock)', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    const slow = loader(async () => {
      await delay(50);
      return 'v';
    });
    const results = await Promise.all(
      [a, b].flatMap((cache) =>
        Array.from({ length: 25 }, () => cache.get('hot', { dataClass: 'stats', load: slow.load })),
      ),
    );
    assert.equal(slow.calls, 1);
    assert.ok(results.every((r) => r.value === 'v'));
    assert.deepEqual(new Set(results.map((r) => r.source)), new Set(['loader', 'l2']));
  });

  it('takes a second look after winning the lock: the previous holder may just have written the entry', async () => {
    const { redis, make } = world(createCache);
    const a = make();
    const b = make();
    const values = loader((n) => `load ${n}`);
    let interleaved = false;
    // Between b's L2 miss and b's SET NX, a loads, writes the entry and releases the lock.
    redis.beforeCommand = async (command, key) => {
      if (command !== 'set' || key !== 'nimbus:cache:unit:l:k' || interleaved) return;
      interleaved = true;
      await a.get('k', { dataClass: 'user', load: values.load });
    };
    assert.deepEqual(await b.get('k', { dataClass: 'user', load: values.load }), {
      value: 'load 1',
      source: 'l2',
    });
    assert.equal(values.calls, 1);
  });

  it('never deadlocks: a lock whose holder died costs lockWaitMs, then this container loads', async () => {
    const { redis, make } = world(createCache);
    const cache = make({ lockWaitMs: 60 });
    await redis.set('nimbus:cache:unit:l:k', '1', { px: 60_000 }); // held by a crashed container
    const values = loader(() => 'v');
    const started = Date.now();
    assert.deepEqual(await cache.get('k', { dataClass: 'user', load: values.load }), {
      value: 'v',
      source: 'loader',
    });
    const waited = Date.now() - started;
    assert.ok(waited >= 55 && waited < 1000, `waited ${waited} ms`);
  });

  it('a failed load releases the lock so another container need not wait', async () => {
    const { redis, make } = world(createCache);
    const cache = make();
    await assert.rejects(
      cache.get('k', {
        dataClass: 'user',
        load: async () => {
          throw new Error('boom');
        },
      }),
      /boom/,
    );
    assert.equal(redis.store.has('nimbus:cache:unit:l:k'), false);
  });
});

describe('stats', () => {
  it('counts hits and misses per level, loads and the hit rate', async () => {
    const { make } = world(createCache);
    const a = make();
    const b = make();
    const values = loader((n) => n);
    const get = (cache: typeof a, key: string) => cache.get(key, { dataClass: 'user', load: values.load });
    await get(a, 'x'); // miss, load
    await get(a, 'x'); // l1
    await get(a, 'x'); // l1
    await get(b, 'x'); // l2
    await get(b, 'x'); // l1

    const sa = a.stats();
    assert.deepEqual(
      { l1: sa.l1, loads: sa.loads, hitRate: sa.hitRate },
      {
        l1: { hits: 2, misses: 1, size: 1 },
        loads: 1,
        hitRate: 0.6667,
      },
    );
    assert.equal(sa.l2.misses, 1);
    assert.equal(sa.l2.errors, 0);
    assert.ok(sa.l2.avgLatencyMs >= 0 && sa.l2.p99LatencyMs >= sa.l2.avgLatencyMs - 1e-9);

    const sb = b.stats();
    assert.deepEqual([sb.l1.hits, sb.l2.hits, sb.loads, sb.hitRate], [1, 1, 0, 1]);
  });

  it('starts at zero', () => {
    const { make } = world(createCache);
    const stats = make().stats();
    assert.equal(stats.hitRate, 0);
    assert.equal(stats.l2.avgLatencyMs, 0);
    assert.equal(stats.fallbacks, 0);
  });
});

describe('options', () => {
  it('rejects a namespace that could break the key layout, and negative durations', () => {
    const { make } = world(createCache);
    assert.throws(() => make({ namespace: 'a b' }), /namespace/);
    assert.throws(() => make({ l2TimeoutMs: -1 }), /l2TimeoutMs/);
    assert.throws(() => make({ l1MaxEntries: 0 }), /l1MaxEntries/);
  });
});

describe('tagVersion', () => {
  it('moves when the tag is invalidated in another container, seen within tagVersionCacheMs at one MGET', async () => {
    const { clock, redis, make } = world(createCache);
    const here = make({ tagVersionCacheMs: 1000 });
    const elsewhere = make();
    const before = await here.tagVersion('signing-keys');
    const mgets = redis.count('mget');

    await elsewhere.invalidateTags(['signing-keys']);
    const stillTrusted = await here.tagVersion('signing-keys');
    clock.advance(1000);
    const after = await here.tagVersion('signing-keys');

    assert.equal(stillTrusted, before);
    assert.notEqual(after, before);
    assert.equal(redis.count('mget') - mgets, 1);
  });

  it('is undefined while Redis is unreachable', async () => {
    const { redis, make } = world(createCache);
    const cache = make();
    redis.mode = 'down';

    assert.equal(await cache.tagVersion('signing-keys'), undefined);
  });
});
