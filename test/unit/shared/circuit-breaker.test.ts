import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, circuitBreakerStates } from '#shared/circuit-breaker.ts';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('starts closed', () => {
    const breaker = new CircuitBreaker(500, clock().now);

    assert.equal(breaker.isOpen, false);
  });

  it('opens on a failure for exactly openMs, then lets calls through again', () => {
    const t = clock();
    const breaker = new CircuitBreaker(500, t.now);

    breaker.trip();

    assert.equal(breaker.isOpen, true);
    t.advance(499);
    assert.equal(breaker.isOpen, true);
    t.advance(1);
    assert.equal(breaker.isOpen, false);
  });

  it('counts openMs from the latest failure', () => {
    const t = clock();
    const breaker = new CircuitBreaker(500, t.now);
    breaker.trip();
    t.advance(400);

    breaker.trip();
    t.advance(400);

    assert.equal(breaker.isOpen, true);
  });

  it('closes at once on a success', () => {
    const breaker = new CircuitBreaker(500, clock().now);
    breaker.trip();

    breaker.close();

    assert.equal(breaker.isOpen, false);
  });

  it('with openMs 0 never skips a call', () => {
    const breaker = new CircuitBreaker(0, clock().now);

    breaker.trip();

    assert.equal(breaker.isOpen, false);
  });

  it('refuses a negative or non-numeric open time at construction', () => {
    assert.throws(() => new CircuitBreaker(-1), /open time/);
    assert.throws(() => new CircuitBreaker(Number.NaN), /open time/);
  });
});

describe('circuitBreakerStates', () => {
  it('lists named breakers with their state and how long they stay open, and no unnamed one', () => {
    const t = clock();
    const named = new CircuitBreaker(500, t.now, 'test:named');
    new CircuitBreaker(500, t.now);

    named.trip();
    t.advance(200);
    const open = circuitBreakerStates()['test:named'];
    named.close();
    const closed = circuitBreakerStates()['test:named'];

    assert.deepEqual(open, { state: 'open', openForMs: 300 });
    assert.deepEqual(closed, { state: 'closed', openForMs: 0 });
    assert.ok(Object.keys(circuitBreakerStates()).every((name) => name !== ''));
  });

  it('lists the rate limiter and cache breakers once their modules are loaded', async () => {
    const { functionEnvironment } = await import('../../support/function-env.ts');
    Object.assign(process.env, { ...functionEnvironment(), ...process.env });
    await import('#shared/ratelimit/limiter.ts');
    await import('#shared/cache/response-cache.ts');

    const names = Object.keys(circuitBreakerStates());

    assert.ok(names.includes('ratelimit:redis'), names.join());
    assert.ok(
      names.some((name) => name.startsWith('cache:') && name.endsWith(':redis')),
      names.join(),
    );
  });
});
