import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CircuitBreaker } from '../circuit-breaker.ts';
import { memoiseAsync } from '../memoise.ts';
import { logger, metrics, recordRedisFallback } from '../observability.ts';
import type { StatsRecorder } from './stats.ts';

/**
 * The Redis commands the cache needs. `@upstash/redis`'s `Redis` satisfies it as is (so
 * `getRedis` can be passed straight in); unit tests pass an in-memory fake.
 *
 * Values come back either as the stored string or, with the Upstash client's automatic
 * deserialisation, already JSON-parsed: the cache accepts both.
 */
export interface CacheRedis {
  mget(keys: string[]): Promise<unknown[]>;
  set(
    key: string,
    value: string,
    opts: { px: number } | { px: number; nx: true } | { nx: true },
  ): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  ping(): Promise<unknown>;
}

export type CacheRedisFactory = () => CacheRedis | Promise<CacheRedis>;

export type L2Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/**
 * Creating the client may read a secret (cold start); that gets its own, longer bound so the first
 * request of a container does not count as a Redis failure.
 */
const CLIENT_INIT_TIMEOUT_MS = 2_000;

class L2TimeoutError extends Error {
  override readonly name = 'L2TimeoutError';
}

export interface L2Options {
  readonly redis: CacheRedisFactory;
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly breakerMs: number;
  readonly now: () => number;
  readonly stats: StatsRecorder;
}

/**
 * Every Redis call of a cache goes through `run`: bounded by `timeoutMs` (a slow Redis costs a
 * request at most that), and after a failure the breaker skips Redis for `breakerMs` so an outage
 * does not cost a timeout per request. `force` (health checks) ignores the breaker, and a success
 * closes it. A warning is logged once per outage, not once per failed call.
 */
export class L2 {
  private readonly breaker: CircuitBreaker;
  /** Created on first use, once per successful client: a failed creation is retried next call. */
  private readonly resolveClient: () => Promise<CacheRedis>;
  private degraded = false;

  constructor(private readonly opts: L2Options) {
    this.breaker = new CircuitBreaker(opts.breakerMs, opts.now, `cache:${opts.namespace}:redis`);
    this.resolveClient = memoiseAsync(opts.redis);
  }

  get available(): boolean {
    return !this.breaker.isOpen;
  }

  async run<T>(fn: (redis: CacheRedis) => Promise<T>, force = false): Promise<L2Result<T>> {
    if (!force && !this.available) {
      this.opts.stats.l2Error();
      return { ok: false };
    }
    try {
      const redis = await withTimeout(this.resolveClient(), CLIENT_INIT_TIMEOUT_MS);
      const started = performance.now();
      const value = await withTimeout(fn(redis), this.opts.timeoutMs);
      this.opts.stats.l2Latency(performance.now() - started);
      this.succeeded();
      return { ok: true, value };
    } catch (error) {
      this.failed(error);
      return { ok: false };
    }
  }

  private succeeded(): void {
    this.breaker.close();
    if (this.degraded) {
      this.degraded = false;
      logger.info('cache L2 (Redis) available again', { namespace: this.opts.namespace });
    }
  }

  private failed(error: unknown): void {
    this.opts.stats.l2Error();
    this.breaker.trip();
    if (!this.degraded) {
      this.degraded = true;
      metrics.addMetric('CacheL2Unavailable', MetricUnit.Count, 1);
      recordRedisFallback();
      logger.warn('cache L2 (Redis) unavailable; serving from L1 and loaders', {
        namespace: this.opts.namespace,
        cause: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/**
 * Races `promise` against a timer. The losing promise keeps running (fetch has no per-call abort in
 * the Upstash client) but its outcome is ignored; `Promise.race` has subscribed to it, so a late
 * rejection is not unhandled.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new L2TimeoutError(`Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
