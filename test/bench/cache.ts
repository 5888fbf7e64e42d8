/**
 * What an L1 hit of the two-level cache costs per `get` (`createCache` over `getRedis`, against the
 * local Redis through the Upstash bridge, as the response cache uses it): without tags, and with
 * two tags + `userId` (five tag versions to check), against a plain `Map.get` awaited in an async
 * function in the same process. Redis round trips (HTTP requests to the bridge) per hit are counted:
 * while the tag versions are fresh (`tagVersionCacheMs`) an L1 hit must need none.
 * Must run after `applyEnv(benchEnv(bridge))`.
 */
import type { GetOptions } from '#shared/cache/two-level-cache.ts';
import { countFetches, type Percentiles, percentiles, RUN_ID, timeEach } from './support.ts';

/**
 * Long enough that no version goes stale during the measured loops (a few seconds): every hit is
 * the no-I/O path. With the default 1 s, each key would cost one MGET (versions only) per second.
 */
export const CACHE_TAG_VERSION_CACHE_MS = 60_000;

/** The Redis namespace of this run's cache: every key it writes starts with `nimbus:cache:<it>:`. */
export const CACHE_NAMESPACE = `bench-${RUN_ID}`;

export interface L1Hits {
  readonly tags: number;
  readonly userId: boolean;
  /** Hits timed (after warm-up); every `get` of the loops, warm-up included, is checked for I/O. */
  readonly iterations: number;
  /** Microseconds per `get`. */
  readonly us: Percentiles;
  /** This variant − the Map baseline, per percentile (µs). */
  readonly overheadUs: { readonly p50: number; readonly p99: number };
  /** HTTP requests to the bridge during the loops (warm-up included). */
  readonly roundTrips: number;
  /** `roundTrips` per `get` of the loops, unrounded (one trip in a million must not read as 0). */
  readonly roundTripsPerHit: number;
  /** Every `get` of the loops was answered from L1 (the cache's own counters). */
  readonly allL1: boolean;
}

export interface CacheL1Result {
  readonly tagVersionCacheMs: number;
  /** Distinct keys per variant, cycled through (all loaded before the loops). */
  readonly keys: number;
  readonly warmup: number;
  /** Wall time of the loops: must stay under `tagVersionCacheMs`. */
  readonly loopMs: number;
  /** `await map.get(key)` in an async function: the floor of any async in-memory lookup. */
  readonly baseline: { readonly iterations: number; readonly us: Percentiles };
  readonly noTags: L1Hits;
  /** Two tags and `userId`: the shape of a per-principal response-cache entry, plus one tag. */
  readonly tagged: L1Hits;
}

/** A cached response as `response-cache.ts` stores it: what an L1 hit hands back (by reference). */
const VALUE = {
  statusCode: 200,
  body: JSON.stringify({ id: `bench-${RUN_ID}`, roles: ['member'], email: 'bench@example.com' }),
  contentType: 'application/json',
  etag: 'W/"bench-etag-0000000000000"',
};

/** Keeps results alive so the loops cannot be optimised away. */
let sink: unknown;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export async function cacheL1Hits(options: {
  readonly bridgeUrl: string;
  readonly keys: number;
  readonly warmup: number;
  /** Timed calls per variant, in 4 alternating rounds. */
  readonly iterations: number;
}): Promise<CacheL1Result> {
  const { createCache } = await import('#shared/cache/two-level-cache.ts');
  const { getRedis } = await import('#shared/clients/redis.ts');
  const cache = createCache({
    redis: getRedis,
    namespace: CACHE_NAMESPACE,
    tagVersionCacheMs: CACHE_TAG_VERSION_CACHE_MS,
  });
  let loads = 0;
  const load = async () => {
    loads++;
    return VALUE;
  };
  const untagged: GetOptions<typeof VALUE> = { dataClass: 'user', load };
  const tagged: GetOptions<typeof VALUE> = {
    dataClass: 'user',
    tags: ['route:bench.profile', `org:bench-${RUN_ID}`],
    userId: `bench-${RUN_ID}`,
    load,
  };
  const map = new Map<string, typeof VALUE>();
  for (let i = 0; i < options.keys; i++) map.set(`m-${i}`, VALUE);

  const fetches = countFetches(options.bridgeUrl);
  try {
    // Misses first (each a few round trips: MGET, SET NX, MGET, SET + DEL): every key is in L1 after.
    for (let i = 0; i < options.keys; i++) {
      await cache.get(`n-${i}`, untagged);
      await cache.get(`t-${i}`, tagged);
    }
    if (loads !== 2 * options.keys)
      throw new Error(`cache bench: ${loads} loads, expected ${2 * options.keys}`);

    const variants = {
      baseline: async (i: number) => {
        sink = await map.get(`m-${i % options.keys}`);
      },
      noTags: async (i: number) => {
        sink = (await cache.get(`n-${i % options.keys}`, untagged)).value;
      },
      tagged: async (i: number) => {
        sink = (await cache.get(`t-${i % options.keys}`, tagged)).value;
      },
    } as const;
    type Variant = keyof typeof variants;
    const samples: Record<Variant, number[]> = { baseline: [], noTags: [], tagged: [] };
    const calls: Record<Variant, number> = { baseline: 0, noTags: 0, tagged: 0 };
    const trips: Record<Variant, number> = { baseline: 0, noTags: 0, tagged: 0 };
    const l1Hits: Record<Variant, number> = { baseline: 0, noTags: 0, tagged: 0 };

    // Alternating rounds, so that no variant gets all of the machine's quiet or busy moments.
    const rounds = 4;
    const per = Math.ceil(options.iterations / rounds);
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (const name of Object.keys(variants) as Variant[]) {
        const fn = variants[name];
        const warmup = round === 0 ? options.warmup : 1000;
        const tripsBefore = fetches.count;
        const hitsBefore = cache.stats().l1.hits;
        for (let i = 0; i < warmup; i++) await fn(i);
        samples[name].push(...(await timeEach(per, fn)));
        calls[name] += warmup + per;
        trips[name] += fetches.count - tripsBefore;
        l1Hits[name] += cache.stats().l1.hits - hitsBefore;
      }
    }
    const loopMs = Math.round(performance.now() - started);
    if (loads !== 2 * options.keys)
      throw new Error(`cache bench: ${loads - 2 * options.keys} loads in the loops`);

    const baseline = percentiles(samples.baseline);
    const hits = (name: 'noTags' | 'tagged', tags: number, userId: boolean): L1Hits => {
      const us = percentiles(samples[name]);
      return {
        tags,
        userId,
        iterations: samples[name].length,
        us,
        overheadUs: { p50: round3(us.p50 - baseline.p50), p99: round3(us.p99 - baseline.p99) },
        roundTrips: trips[name],
        roundTripsPerHit: trips[name] / calls[name],
        allL1: l1Hits[name] === calls[name],
      };
    };
    // The last hit of the loops must be the cached response (also keeps `sink` read).
    if ((sink as typeof VALUE | undefined)?.etag !== VALUE.etag) throw new Error('cache bench: wrong value');
    return {
      tagVersionCacheMs: CACHE_TAG_VERSION_CACHE_MS,
      keys: options.keys,
      warmup: options.warmup,
      loopMs,
      baseline: { iterations: samples.baseline.length, us: baseline },
      noTags: hits('noTags', 0, false),
      tagged: hits('tagged', tagged.tags?.length ?? 0, true),
    };
  } finally {
    fetches.restore();
  }
}
