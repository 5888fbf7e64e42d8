/**
 * After a failure, callers skip the dependency for `openMs` instead of paying a timeout per request
 * during an outage; then the next call tries again. A success closes it at once. The rate limiter
 * and the cache's L2 each hold one in front of Redis.
 */
export class CircuitBreaker {
  private openUntil = 0;

  /**
   * @param name when given, the breaker is listed by `circuitBreakerStates` (health reports);
   *   a later breaker with the same name replaces it there. @default unlisted
   */
  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
    name?: string,
  ) {
    if (!(Number.isFinite(openMs) && openMs >= 0)) {
      throw new Error(`circuit breaker open time must be a non-negative number of ms, got ${openMs}`);
    }
    if (name !== undefined) registry.set(name, this);
  }

  /** True while calls should be skipped. */
  get isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  /** How long calls are still skipped, in ms (0 when closed). */
  get remainingOpenMs(): number {
    return Math.max(0, this.openUntil - this.now());
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

/** The named breakers of this container (a few per module, made at init): bounded by the code. */
const registry = new Map<string, CircuitBreaker>();

export interface CircuitBreakerState {
  readonly state: 'open' | 'closed';
  /** How long calls are still skipped, in ms. */
  readonly openForMs: number;
}

/** Each named breaker's state in this container, by name. */
export function circuitBreakerStates(): Record<string, CircuitBreakerState> {
  return Object.fromEntries(
    [...registry].map(([name, breaker]) => [
      name,
      { state: breaker.isOpen ? 'open' : 'closed', openForMs: breaker.remainingOpenMs },
    ]),
  );
}
