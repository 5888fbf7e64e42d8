import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalLimiter } from '../../../../functions/shared/ratelimit/local-limiter.ts';
import { resolveScopes, type ScopeSpec } from '../../../../functions/shared/ratelimit/scopes.ts';

function clock(start = 1_000_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const spec = (
  algorithm: ScopeSpec['algorithm'],
  limit = 3,
  window: ScopeSpec['window'] = '1 m',
): ScopeSpec => ({
  algorithm,
  limit,
  window,
  fail: 'local',
  key: 'ip',
});

const run = (limiter: LocalLimiter, n: number, id = 'a') =>
  Array.from({ length: n }, () => limiter.limit(id).allowed);

describe('LocalLimiter (the in-memory fallback)', () => {
  for (const algorithm of ['slidingWindow', 'tokenBucket', 'fixedWindow'] as const) {
    it(`${algorithm}: allows exactly the limit, then refuses, per identifier`, () => {
      const t = clock();
      const limiter = new LocalLimiter(spec(algorithm), 100, t.now);

      assert.deepEqual(run(limiter, 5), [true, true, true, false, false]);
      assert.deepEqual(run(limiter, 1, 'b'), [true]);
    });

    it(`${algorithm}: allows again once the window has passed`, () => {
      const t = clock();
      const limiter = new LocalLimiter(spec(algorithm), 100, t.now);
      run(limiter, 3);

      t.advance(2 * 60_000 + 1);

      assert.equal(limiter.limit('a').allowed, true);
    });
  }

  it('slidingWindow weighs the previous window: right after a full window, little is left', () => {
    const t = clock(0);
    const limiter = new LocalLimiter(spec('slidingWindow', 10), 100, t.now);
    run(limiter, 10);

    t.advance(60_000 + 6_000); // 10 % into the next window: 90 % of the previous 10 still count

    assert.deepEqual(run(limiter, 2), [true, false]);
  });

  it('reports remaining and a reset in the future', () => {
    const t = clock();
    const limiter = new LocalLimiter(spec('fixedWindow', 3), 100, t.now);

    const first = limiter.limit('a');

    assert.equal(first.remaining, 2);
    assert.ok(first.reset > t.now());
  });

  it('reset forgets an identifier', () => {
    const limiter = new LocalLimiter(spec('fixedWindow', 1));
    run(limiter, 2);

    limiter.reset('a');

    assert.equal(limiter.limit('a').allowed, true);
  });

  it('holds a bounded number of identifiers', () => {
    const limiter = new LocalLimiter(spec('fixedWindow', 1), 2);
    limiter.limit('a');
    limiter.limit('b');
    limiter.limit('c'); // evicts a

    assert.equal(limiter.limit('a').allowed, true);
  });
});

describe('resolveScopes', () => {
  it('keeps the seed defaults', () => {
    const scopes = resolveScopes(undefined);

    assert.deepEqual(
      { limit: scopes.auth_login.limit, window: scopes.auth_login.window, fail: scopes.auth_login.fail },
      { limit: 5, window: '15 m', fail: 'closed' },
    );
    assert.equal(scopes.api_general.algorithm, 'tokenBucket');
    assert.equal(scopes.api_expensive.algorithm, 'fixedWindow');
    assert.equal(scopes.global.limit, 1000);
  });

  it('applies a stage override field by field', () => {
    const scopes = resolveScopes('{"global":{"limit":5}}');

    assert.equal(scopes.global.limit, 5);
    assert.equal(scopes.global.window, '1 m');
  });

  it('refuses unknown scopes and invalid values at init', () => {
    assert.throws(() => resolveScopes('{"nope":{"limit":1}}'), /unknown scope nope/);
    assert.throws(() => resolveScopes('{"global":{"limit":0}}'), /bad limit/);
    assert.throws(() => resolveScopes('{"global":{"window":"soon"}}'), /bad window/);
  });
});
