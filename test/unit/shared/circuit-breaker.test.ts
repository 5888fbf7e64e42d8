import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from '#shared/circuit-breaker.ts';

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
