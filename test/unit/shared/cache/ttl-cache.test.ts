import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '#shared/cache/ttl-cache.ts';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TtlCache', () => {
  it('serves a value until its TTL ends, then forgets it', () => {
    const t = clock();
    const cache = new TtlCache<string>(10, t.now);
    cache.set('session', 'alive', 100);

    t.advance(99);
    assert.equal(cache.get('session'), 'alive');
    t.advance(1);
    assert.equal(cache.get('session'), undefined);
  });

  it('holds at most maxEntries, evicting the least recently used', () => {
    const cache = new TtlCache<number>(2, clock().now);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);

    cache.get('a');
    cache.set('c', 3, 1000);

    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('c'), 3);
  });
});
