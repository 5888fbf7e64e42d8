import type { Cache, CacheOptions } from '#shared/cache/two-level-cache.ts';
import { Clock, FakeRedis } from './fake-redis.ts';

type CreateCache = (options: CacheOptions) => Cache;

/**
 * One fake Redis and one clock shared by any number of caches: each `make()` is an independent
 * container (own L1, own single-flight map, own version cache) in front of the same L2.
 * Defaults: tag versions are re-read on every L1 hit (tagVersionCacheMs 0) unless a test says otherwise.
 */
export function world(createCache: CreateCache, defaults: Partial<CacheOptions> = {}) {
  const clock = new Clock();
  const redis = new FakeRedis(clock);
  const make = (options: Partial<CacheOptions> = {}): Cache =>
    createCache({
      redis: () => redis,
      namespace: 'unit',
      now: clock.now,
      tagVersionCacheMs: 0,
      ...defaults,
      ...options,
    });
  return { clock, redis, make };
}

/** A loader that counts its calls; `produce` gets the call number (1-based). */
export function loader<T>(produce: (call: number) => T | Promise<T>) {
  const state = {
    calls: 0,
    load: async (): Promise<T> => {
      state.calls += 1;
      return produce(state.calls);
    },
  };
  return state;
}

export function failing(message = 'database unavailable') {
  return loader<never>(() => {
    throw new Error(message);
  });
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
