import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CircuitBreaker } from '../circuit-breaker.ts';
import { getRedis } from '../clients/redis.ts';
import { logger, metrics } from '../observability.ts';
import {
  bucketIndex,
  bucketLabel,
  fieldOf,
  minuteKey,
  minuteOf,
  REQUEST_METRICS_TTL_SECONDS,
  type RouteClass,
  statusClassOf,
} from './request-histogram.ts';

/** The commands one recording sends, as one pipeline (the Upstash client's, or a test's fake). */
export interface MetricsPipeline {
  hincrby(key: string, field: string, increment: number): MetricsPipeline;
  expire(key: string, seconds: number): MetricsPipeline;
  exec(): Promise<unknown>;
}

export interface MetricsRedis {
  pipeline(): MetricsPipeline;
}

/** One answered request, as the pipeline saw it. */
export interface RequestSample {
  readonly routeId: string;
  readonly routeClass: RouteClass;
  readonly status: number;
  /** Server-side latency: from the pipeline's first middleware to the final response. */
  readonly ms: number;
  /** When the request ended (epoch ms): picks the minute. */
  readonly at: number;
}

export interface RequestRecorderOptions {
  readonly redis: () => Promise<MetricsRedis>;
  /** How long a request may wait for its write. @default 100 */
  readonly budgetMs?: number;
  /** After a failed or late write, skip recording this long. @default 10000 */
  readonly breakerMs?: number;
  readonly now?: () => number;
}

export interface RequestRecorder {
  /** Never rejects: a write that fails or overruns its budget is dropped and counted. */
  record(sample: RequestSample): Promise<void>;
  /** This container's tally: written, dropped (failed or late), skipped (breaker open). */
  counts(): { readonly recorded: number; readonly dropped: number; readonly skipped: number };
}

/**
 * Records request latencies into the per-minute histograms (`request-histogram.ts`): one pipelined
 * round trip of four HINCRBY and an EXPIRE per request.
 *
 * The write is awaited, within a budget, before the response is returned: Lambda freezes the
 * container as soon as the handler resolves, so a promise left running would finish (or time out)
 * only at the next invocation's thaw, or never. An in-region Upstash write takes a few ms; a slow
 * or failing Redis costs one request at most `budgetMs`, then the breaker skips recording for
 * `breakerMs`, so an outage never taxes every request. Dropped writes are counted (logged at debug,
 * `RequestMetricsDropped` in EMF) and lost: metrics are never worth failing a request for.
 */
export function createRequestRecorder(options: RequestRecorderOptions): RequestRecorder {
  const budgetMs = options.budgetMs ?? 100;
  const now = options.now ?? Date.now;
  const breaker = new CircuitBreaker(options.breakerMs ?? 10_000, now);
  let recorded = 0;
  let dropped = 0;
  let skipped = 0;

  const write = async (sample: RequestSample): Promise<void> => {
    const redis = await options.redis();
    const key = minuteKey(minuteOf(sample.at));
    const field = (stat: string) => fieldOf(sample.routeClass, sample.routeId, stat);
    await redis
      .pipeline()
      .hincrby(key, field(`le=${bucketLabel(bucketIndex(sample.ms))}`), 1)
      .hincrby(key, field('count'), 1)
      .hincrby(key, field(statusClassOf(sample.status)), 1)
      .hincrby(key, field('sum_us'), Math.max(0, Math.round(sample.ms * 1000)))
      .expire(key, REQUEST_METRICS_TTL_SECONDS)
      .exec();
  };

  return {
    async record(sample) {
      if (breaker.isOpen) {
        skipped += 1;
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`request metrics write over ${budgetMs} ms`)), budgetMs);
      });
      try {
        await Promise.race([write(sample), late]);
        recorded += 1;
        breaker.close();
      } catch (error) {
        dropped += 1;
        breaker.trip();
        logger.debug('request metrics write dropped', { error });
        metrics.addMetric('RequestMetricsDropped', MetricUnit.Count, 1);
      } finally {
        clearTimeout(timer);
      }
    },
    counts: () => ({ recorded, dropped, skipped }),
  };
}

/** The container's recorder, on the shared Upstash client. */
export const requestRecorder: RequestRecorder = createRequestRecorder({ redis: getRedis });
