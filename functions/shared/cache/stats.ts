/** A snapshot of one cache instance's counters since it was created (per container). */
export interface CacheStats {
  readonly l1: { readonly hits: number; readonly misses: number; readonly size: number };
  readonly l2: {
    /** `get` calls answered from Redis. */
    readonly hits: number;
    /** `get` calls that missed L1 and were not answered from Redis (loaded, stale, or Redis down). */
    readonly misses: number;
    /** Redis calls that failed or timed out, or were skipped because the breaker was open. */
    readonly errors: number;
    /** Over the last LATENCY_WINDOW successful Redis calls; 0 when there are none. */
    readonly avgLatencyMs: number;
    readonly p99LatencyMs: number;
  };
  /** Loader invocations (one per container-wide miss, not one per caller). */
  readonly loads: number;
  readonly loadErrors: number;
  /** `get` calls answered with an expired (or unverifiable) value because the loader failed. */
  readonly stale: number;
  /** `get` calls answered without the help of Redis: L1 unverified, loader because L2 was down, stale. */
  readonly fallbacks: number;
  /** Invalidations (tags, users, keys) that could not reach Redis; other containers did not see them. */
  readonly invalidationErrors: number;
  /** (l1.hits + l2.hits) / gets; 0 before the first get. */
  readonly hitRate: number;
}

export type CacheSource = 'l1' | 'l2' | 'loader' | 'stale';

const LATENCY_WINDOW = 1024;

export class StatsRecorder {
  private l1Hits = 0;
  private l2Hits = 0;
  private misses = 0;
  private l2Errors = 0;
  private loads = 0;
  private loadErrors = 0;
  private stale = 0;
  private fallbacks = 0;
  private invalidationErrors = 0;
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;

  served(source: CacheSource, degraded: boolean): void {
    if (source === 'l1') this.l1Hits += 1;
    else if (source === 'l2') this.l2Hits += 1;
    else this.misses += 1;
    if (source === 'stale') this.stale += 1;
    if (degraded) this.fallbacks += 1;
  }

  load(ok: boolean): void {
    this.loads += 1;
    if (!ok) this.loadErrors += 1;
  }

  l2Error(): void {
    this.l2Errors += 1;
  }

  invalidationError(): void {
    this.invalidationErrors += 1;
  }

  l2Latency(ms: number): void {
    this.latencies[this.latencyCount % LATENCY_WINDOW] = ms;
    this.latencyCount += 1;
  }

  snapshot(l1Size: number): CacheStats {
    const samples = Array.from(this.latencies.subarray(0, Math.min(this.latencyCount, LATENCY_WINDOW)));
    samples.sort((a, b) => a - b);
    const avg = samples.length === 0 ? 0 : samples.reduce((sum, ms) => sum + ms, 0) / samples.length;
    const p99 = samples.length === 0 ? 0 : (samples[Math.ceil(samples.length * 0.99) - 1] ?? 0);
    const l2Misses = this.misses;
    const gets = this.l1Hits + this.l2Hits + l2Misses;
    return {
      l1: { hits: this.l1Hits, misses: this.l2Hits + l2Misses, size: l1Size },
      l2: {
        hits: this.l2Hits,
        misses: l2Misses,
        errors: this.l2Errors,
        avgLatencyMs: round(avg),
        p99LatencyMs: round(p99),
      },
      loads: this.loads,
      loadErrors: this.loadErrors,
      stale: this.stale,
      fallbacks: this.fallbacks,
      invalidationErrors: this.invalidationErrors,
      hitRate: gets === 0 ? 0 : round((this.l1Hits + this.l2Hits) / gets, 4),
    };
  }
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
