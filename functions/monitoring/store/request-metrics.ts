import { getRedis } from '#shared/clients/redis.ts';
import { minuteKey } from '#shared/metrics/request-histogram.ts';

/** The per-minute request histograms, as written by the pipeline (`request-recorder.ts`). */
export interface RequestMetricsStore {
  /** Each minute's hash, in the order asked (null where nothing was recorded). */
  readMinutes(minutes: readonly number[]): Promise<(Record<string, unknown> | null)[]>;
}

/** The commands a read needs: HGETALL, pipelined. */
export interface MetricsReader {
  pipeline(): { hgetall(key: string): unknown; exec(): Promise<unknown[]> };
}

/** Reads every minute of a window in one round trip (one pipelined batch of HGETALL). */
export function redisRequestMetricsStore(
  redis: () => Promise<MetricsReader> = getRedis,
): RequestMetricsStore {
  return {
    async readMinutes(minutes) {
      if (minutes.length === 0) return [];
      const pipe = (await redis()).pipeline();
      for (const minute of minutes) pipe.hgetall(minuteKey(minute));
      const results = await pipe.exec();
      return results.map((result) =>
        typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : null,
      );
    },
  };
}
