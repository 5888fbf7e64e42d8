import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lru } from '#shared/cache/lru.ts';

function filled(keys: readonly string[], maxEntries = keys.length): Lru<number> {
  const lru = new Lru<number>(maxEntries);
  for (const [index, key] of keys.entries()) lru.set(key, index);
  return lru;
}

describe('Lru (the bounded map under every in-container cache)', () => {
  it('evicts the least recently written key once past maxEntries', () => {
    const lru = filled(['a', 'b', 'c'], 2);

    assert.equal(lru.size, 2);
    assert.equal(lru.get('a'), undefined);
    assert.equal(lru.get('c'), 2);
  });

  it('counts a get as a use: the key read last survives the next eviction', () => {
    const lru = filled(['a', 'b']);

    lru.get('a');
    lru.set('c', 2);

    assert.equal(lru.peek('a'), 0);
    assert.equal(lru.peek('b'), undefined);
  });

  it('peek reads without refreshing: the key keeps its place in the eviction order', () => {
    const lru = filled(['a', 'b']);

    assert.equal(lru.peek('a'), 0);
    lru.set('c', 2);

    assert.equal(lru.peek('a'), undefined);
    assert.equal(lru.peek('b'), 1);
  });

  it('re-setting a key replaces its value and makes it the most recent', () => {
    const lru = filled(['a', 'b']);

    lru.set('a', 10);
    lru.set('c', 2);

    assert.equal(lru.peek('a'), 10);
    assert.equal(lru.peek('b'), undefined);
    assert.equal(lru.size, 2);
  });

  it('delete and prune remove entries', () => {
    const lru = filled(['a', 'b', 'c', 'd']);

    lru.delete('a');
    lru.prune((value) => value % 2 === 1);

    assert.equal(lru.size, 1);
    assert.equal(lru.peek('c'), 2);
  });

  it('refuses a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new Lru(size), /maxEntries must be a positive integer/, String(size));
    }
  });
});
