/**
 * After a failure, callers skip the dependency for `openMs` instead of paying a timeout per request
 * during an outage; then the next call tries again. A success closes it at once. The rate limiter
 * and the cache's L2 each hold one in front of Redis.
 */
export class CircuitBreaker {
  private openUntil = 0;

  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isFinite(openMs) && openMs >= 0)) {
      throw new Error(`circuit breaker open time must be a non-negative number of ms, got ${openMs}`);
    }
  }

  /** True while calls should be skipped. */
  get isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  /** A call failed: skip the dependency for `openMs` from now. */
  trip(): void {
    this.openUntil = this.now() + this.openMs;
  }

  /** A call succeeded: the dependency answers again. */
  close(): void {
    this.openUntil = 0;
  }
}
