import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNKNOWN_VERSION, VersionCache } from '#shared/cache/versions.ts';

describe('VersionCache', () => {
  it('matches a stamp while its versions are fresh, and is unknown once they are not', () => {
    const cache = new VersionCache(1000, 10);
    cache.record({ a: '1', b: '2' }, 5_000);

    assert.equal(cache.check({ a: '1', b: '2' }, ['a', 'b'], 5_999), 'match');
    assert.equal(cache.check({ a: '1', b: '2' }, ['a', 'b'], 6_000), 'unknown');
    assert.equal(cache.check({ a: '0', b: '2' }, ['a', 'b'], 9_000), 'mismatch');
  });

  it('never lets an older read overwrite a newer one', () => {
    const cache = new VersionCache(1000, 10);
    cache.record({ a: 'new' }, 2_000);

    cache.record({ a: 'old' }, 1_000);

    assert.deepEqual(cache.current(['a']), { a: 'new' });
  });

  it('keeps at most maxSize ids, dropping the least recently recorded (reads do not count)', () => {
    const cache = new VersionCache(1000, 2);
    cache.record({ a: '1' }, 1);
    cache.record({ b: '1' }, 2);
    cache.check({ a: '1' }, ['a'], 3);

    cache.record({ c: '1' }, 4);

    assert.deepEqual(cache.current(['a', 'b', 'c']), { a: UNKNOWN_VERSION, b: '1', c: '1' });
  });
});
