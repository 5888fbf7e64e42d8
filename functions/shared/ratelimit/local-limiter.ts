import { Lru } from '../cache/lru.ts';
import { type ScopeSpec, windowMs } from './scopes.ts';

export interface LocalDecision {
  readonly allowed: boolean;
  readonly remaining: number;
  /** Epoch milliseconds. */
  readonly reset: number;
}

interface State {
  /** fixed/sliding: start of the current window; bucket: last refill time. */
  t: number;
  /** fixed/sliding: count in the current window; bucket: tokens left. */
  n: number;
  /** sliding: count of the previous window. */
  prev: number;
}

/**
 * In-memory limiter with the same three algorithms, for when Redis is unreachable. It limits per
 * container (so N warm containers admit up to N× the limit) — a documented degradation, far
 * better than no limit at all. Memory stays bounded while identifiers rotate: past `maxKeys`, the
 * identifier seen first goes (decisions read with `peek`, so eviction follows first sight).
 */
export class LocalLimiter {
  private readonly states: Lru<State>;

  constructor(
    private readonly spec: ScopeSpec,
    maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.states = new Lru(maxKeys);
  }

  limit(identifier: string): LocalDecision {
    const now = this.now();
    const win = windowMs(this.spec.window);
    const max = this.spec.limit;
    let state = this.states.peek(identifier);
    if (state === undefined) {
      state = {
        t: this.spec.algorithm === 'tokenBucket' ? now : now - (now % win),
        n: this.spec.algorithm === 'tokenBucket' ? max : 0,
        prev: 0,
      };
      this.states.set(identifier, state);
    }

    if (this.spec.algorithm === 'tokenBucket') {
      const refills = Math.floor((now - state.t) / win);
      if (refills > 0) {
        state.n = Math.min(max, state.n + refills * max);
        state.t += refills * win;
      }
      const allowed = state.n > 0;
      if (allowed) state.n -= 1;
      return { allowed, remaining: state.n, reset: state.t + win };
    }

    const start = now - (now % win);
    if (start !== state.t) {
      state.prev = start - state.t === win ? state.n : 0;
      state.t = start;
      state.n = 0;
    }
    // Sliding window: the previous window's count weighted by how much of it still overlaps.
    const weight = this.spec.algorithm === 'slidingWindow' ? 1 - (now - start) / win : 0;
    const used = Math.floor(state.prev * weight) + state.n;
    const allowed = used < max;
    if (allowed) state.n += 1;
    return { allowed, remaining: Math.max(0, max - used - (allowed ? 1 : 0)), reset: start + win };
  }

  reset(identifier: string): void {
    this.states.delete(identifier);
  }
}
