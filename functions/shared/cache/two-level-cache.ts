/**
 * Two-level cache: L1 is a bounded LRU in the container, L2 is Redis (Upstash) shared by all
 * containers. See versions.ts for how invalidation reaches every container.
 *
 * Staleness bounds (how late a change made elsewhere can be seen here):
 * - Redis reachable: `tagVersionCacheMs` (default 1 s) for tag, user and key invalidations. An L1 hit
 *   costs no Redis round trip while the versions of its tags were read less than that long ago;
 *   after that one MGET (versions only, no payload) re-confirms them.
 * - Redis unreachable: an L1 entry is served only if it was loaded or confirmed less than
 *   `unverifiedL1Ms` ago (default 5 s); older ones are reloaded. Invalidations cannot be written
 *   while Redis is down, so what may be missed are those made just before the outage.
 * - A failed invalidation (Redis down) is applied to this container only; other containers see the
 *   old value until its TTL ends. It is logged, counted and not thrown.
 * - Stale-while-error: when the loader fails, a value expired less than `staleForSeconds` ago (or
 *   an L1 entry that could not be verified) is served with source 'stale'. Values invalidated by a
 *   tag are never served stale, except that unverifiable L1 entries may be while Redis is down.
 *
 * Values must be JSON-serialisable; every source returns the JSON round-tripped form (a Date comes
 * back as a string from L1 too). Returned values are shared with L1: treat them as read-only.
 * A loader returning `undefined` is not cached; `null` is.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../observability.ts';
import { type DataClass, type DataClassTtls, resolveTtls } from './data-classes.ts';
import { type CacheRedisFactory, L2 } from './l2.ts';
import { Lru } from './lru.ts';
import { type CacheSource, type CacheStats, StatsRecorder } from './stats.ts';
import { type EntryRead, L2Store } from './store.ts';
import {
  type Envelope,
  EPOCH_TAG,
  keyTagId,
  parseEnvelope,
  sameVersions,
  tagId,
  userTag,
  VersionCache,
  type Versions,
} from './versions.ts';

export type { CacheRedis, CacheRedisFactory } from './l2.ts';
export type { CacheSource, CacheStats } from './stats.ts';

export interface CacheOptions {
  /** Called lazily, once per successful client; `getRedis` from `#shared/clients/redis.ts` fits. */
  readonly redis: CacheRedisFactory;
  /** Prefix of every Redis key (`nimbus:cache:<namespace>:`); tags are per namespace. */
  readonly namespace: string;
  /** Overrides of the seed TTLs (seconds) per data class. */
  readonly ttls?: Partial<Record<DataClass, number>>;
  /** @default 1000 */
  readonly l1MaxEntries?: number;
  /** Bound on every Redis call. @default 150 */
  readonly l2TimeoutMs?: number;
  /** After a Redis failure, skip Redis this long. @default 1000 */
  readonly breakerMs?: number;
  /** How long read tag versions are trusted for L1 hits (cross-container staleness bound). @default 1000 */
  readonly tagVersionCacheMs?: number;
  /** While Redis is down, serve L1 entries loaded or confirmed this recently. @default 5000 */
  readonly unverifiedL1Ms?: number;
  /** Cross-container load lock. @default 2000 */
  readonly lockTtlMs?: number;
  /** How long a container that lost the lock polls L2 before loading itself. @default 1000 */
  readonly lockWaitMs?: number;
  /** How long past expiry a value may be served when the loader fails. @default the class TTL */
  readonly staleForSeconds?: number;
  /** Clock (epoch ms), for tests. @default Date.now */
  readonly now?: () => number;
}

export interface GetOptions<T> {
  readonly dataClass: DataClass;
  readonly tags?: readonly string[];
  /** Adds the tag `user:<userId>`, so that `invalidateUser(userId)` drops the entry. */
  readonly userId?: string;
  /**
   * Confirm the tag versions with Redis on every L1 hit instead of trusting them for
   * `tagVersionCacheMs`: an invalidation is then seen by the very next read in every container,
   * for one Redis round trip per read. For data whose change must show at once (the JWKS).
   * @default false
   */
  readonly confirmEveryHit?: boolean;
  readonly load: () => Promise<T>;
}

export interface CacheResult<T> {
  readonly value: T;
  readonly source: CacheSource;
}

export interface CacheHealth {
  readonly l2: 'ok' | 'down';
  readonly latencyMs: number;
}

export interface Cache {
  /**
   * Never throws because Redis is down; throws the loader's error when there is nothing to serve.
   * Concurrent calls for one key in a container share one resolution (the first caller's `load`).
   */
  get<T>(key: string, opts: GetOptions<T>): Promise<CacheResult<T>>;
  invalidateTags(tags: readonly string[]): Promise<void>;
  invalidateUser(userId: string): Promise<void>;
  /**
   * The current version of `tag` (with the namespace epoch, so a Redis that lost its data reads as
   * a change), trusted for `tagVersionCacheMs` like the versions of entries; `undefined` when Redis
   * cannot be reached. For state a container keeps itself and must never write to Redis (key
   * material) but that has to follow invalidations of a tag.
   */
  tagVersion(tag: string): Promise<string | undefined>;
  /** Removes the key from L2 and from every container's L1 (via its key version). */
  delete(key: string): Promise<void>;
  stats(): CacheStats;
  /** Pings Redis (ignoring the breaker; a success closes it). */
  health(): Promise<CacheHealth>;
}

export function createCache(options: CacheOptions): Cache {
  return new TwoLevelCache(options);
}

interface L1Entry {
  readonly env: Envelope;
  /** Epoch ms when this value was last known valid (loaded, or its versions read). */
  verifiedAt: number;
}

interface Outcome {
  readonly value: unknown;
  readonly source: CacheSource;
  /** Answered without Redis' help: counted as a fallback. */
  readonly degraded: boolean;
}

interface LoadPlan {
  /** Versions read from Redis before loading; undefined when Redis was unreachable. */
  readonly versions: Versions | undefined;
  /** Candidates to serve if the loader fails; the newest wins. */
  readonly stale: readonly Envelope[];
  readonly lockHeld: boolean;
  readonly degraded: boolean;
}

const DAY_MS = 86_400_000;

class TwoLevelCache implements Cache {
  private readonly ttls: DataClassTtls;
  private readonly now: () => number;
  private readonly recorder = new StatsRecorder();
  private readonly l1: Lru<L1Entry>;
  private readonly store: L2Store;
  private readonly versions: VersionCache;
  private readonly inflight = new Map<string, Promise<Outcome>>();
  private readonly unverifiedL1Ms: number;
  private readonly lockTtlMs: number;
  private readonly pollDelays: readonly number[];
  private readonly staleForMs: number | undefined;
  private staleBurst = false;

  constructor(private readonly opts: CacheOptions) {
    if (!/^[\w.-]+$/.test(opts.namespace)) {
      throw new Error(`cache namespace must match [A-Za-z0-9_.-]+, got '${opts.namespace}'`);
    }
    for (const name of [
      'l2TimeoutMs',
      'breakerMs',
      'tagVersionCacheMs',
      'unverifiedL1Ms',
      'lockTtlMs',
      'lockWaitMs',
      'staleForSeconds',
    ] as const) {
      const value = opts[name];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new Error(`cache option ${name} must be a non-negative number, got ${value}`);
      }
    }
    const l1MaxEntries = opts.l1MaxEntries ?? 1000;
    if (!Number.isInteger(l1MaxEntries) || l1MaxEntries < 1) {
      throw new Error(`cache option l1MaxEntries must be a positive integer, got ${l1MaxEntries}`);
    }
    this.ttls = resolveTtls(opts.ttls);
    this.now = opts.now ?? Date.now;
    this.l1 = new Lru(l1MaxEntries);
    this.versions = new VersionCache(opts.tagVersionCacheMs ?? 1000, 4 * l1MaxEntries + 64);
    this.unverifiedL1Ms = opts.unverifiedL1Ms ?? 5000;
    this.lockTtlMs = Math.max(1, opts.lockTtlMs ?? 2000);
    this.pollDelays = backoff(opts.lockWaitMs ?? Math.min(this.lockTtlMs, 1000));
    this.staleForMs = opts.staleForSeconds === undefined ? undefined : opts.staleForSeconds * 1000;
    const maxTtlMs = Math.max(...Object.values(this.ttls)) * 1000;
    const l2 = new L2({
      redis: opts.redis,
      namespace: opts.namespace,
      timeoutMs: opts.l2TimeoutMs ?? 150,
      breakerMs: opts.breakerMs ?? 1000,
      now: this.now,
      stats: this.recorder,
    });
    const versionTtlMs = maxTtlMs + (this.staleForMs ?? maxTtlMs) + DAY_MS;
    this.store = new L2Store(opts.namespace, l2, this.versions, this.now, versionTtlMs);
  }

  async get<T>(key: string, opts: GetOptions<T>): Promise<CacheResult<T>> {
    const ids = tagIdsOf(key, opts);
    let outcome = opts.confirmEveryHit ? undefined : this.fromL1(key, ids);
    if (outcome === undefined) {
      let pending = this.inflight.get(key);
      if (pending === undefined) {
        pending = this.resolve(key, ids, opts).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      outcome = await pending;
    }
    this.recorder.served(outcome.source, outcome.degraded);
    return { value: outcome.value as T, source: outcome.source };
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length > 0) await this.invalidate(tags.map(tagId));
  }

  async invalidateUser(userId: string): Promise<void> {
    await this.invalidateTags([userTag(userId)]);
  }

  async tagVersion(tag: string): Promise<string | undefined> {
    const ids = [EPOCH_TAG, tagId(tag)];
    let versions = this.versions.current(ids);
    if (this.versions.check(versions, ids, this.now()) !== 'match') {
      const read = await this.store.readVersions(ids);
      if (!read.ok) return undefined;
      versions = read.versions;
    }
    return ids.map((id) => versions[id]).join('/');
  }

  async delete(key: string): Promise<void> {
    this.l1.delete(key);
    await this.invalidate([keyTagId(key)], [key]);
  }

  stats(): CacheStats {
    return this.recorder.snapshot(this.l1.size);
  }

  async health(): Promise<CacheHealth> {
    const started = performance.now();
    const ok = await this.store.ping();
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    return { l2: ok ? 'ok' : 'down', latencyMs };
  }

  /** The hot path: no I/O while the tag versions are fresh. */
  private fromL1(key: string, ids: readonly string[]): Outcome | undefined {
    const entry = this.l1.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (now >= entry.env.exp) return undefined;
    const check = this.versions.check(entry.env.tags, ids, now);
    if (check === 'match') return { value: entry.env.v, source: 'l1', degraded: false };
    if (check === 'mismatch') this.l1.delete(key);
    return undefined;
  }

  /** Everything past the hot path; runs once per key per container at a time (single flight). */
  private async resolve(key: string, ids: readonly string[], opts: GetOptions<unknown>): Promise<Outcome> {
    const now = this.now();
    const staleMs = this.staleMsOf(opts.dataClass);
    let entry = this.l1.get(key);
    if (
      entry !== undefined &&
      (now >= entry.env.exp + staleMs || this.versions.check(entry.env.tags, ids, now) === 'mismatch')
    ) {
      this.l1.delete(key);
      entry = undefined;
    }

    if (entry !== undefined && now < entry.env.exp) {
      // A fresh L1 entry whose versions are not fresh: confirm them without fetching the payload.
      const read = await this.store.readVersions(ids);
      if (read.ok && sameVersions(entry.env.tags, read.versions, ids)) {
        entry.verifiedAt = now;
        return { value: entry.env.v, source: 'l1', degraded: false };
      }
      if (read.ok) {
        this.l1.delete(key);
        entry = undefined;
      } else {
        const confirmed = Math.max(entry.verifiedAt, this.versions.confirmedAt(entry.env.tags, ids) ?? 0);
        if (this.now() - confirmed <= this.unverifiedL1Ms) {
          return { value: entry.env.v, source: 'l1', degraded: true };
        }
        const plan = { versions: undefined, stale: [entry.env], lockHeld: false, degraded: true };
        return this.load(key, ids, opts, plan);
      }
    }

    const read = await this.store.readEntry(key, ids);
    const stale = entry === undefined ? [] : [entry.env];
    if (!read.ok) {
      return this.load(key, ids, opts, { versions: undefined, stale, lockHeld: false, degraded: true });
    }
    if (entry !== undefined && !sameVersions(entry.env.tags, read.versions, ids)) {
      this.l1.delete(key);
      stale.length = 0;
    }
    const hit = this.freshHit(key, ids, read, now);
    if (hit !== undefined) return hit;
    const env = read.env;
    if (env !== undefined && sameVersions(env.tags, read.versions, ids) && now < env.exp + staleMs) {
      // Stale copies stay in L2 too, so a cold container can serve stale when the loader fails.
      stale.push(env);
    }
    return this.loadOnce(key, ids, opts, read.versions, stale);
  }

  /**
   * A miss in both levels: take the cross-container lock, or wait for whoever holds it. Waiting is
   * bounded (`lockWaitMs`), after which this container loads anyway: a crashed or slow holder
   * costs a duplicate load, never a deadlock.
   */
  private async loadOnce(
    key: string,
    ids: readonly string[],
    opts: GetOptions<unknown>,
    versions: Versions,
    stale: readonly Envelope[],
  ): Promise<Outcome> {
    const lock = await this.store.lock(key, this.lockTtlMs);
    if (lock === 'down')
      return this.load(key, ids, opts, { versions, stale, lockHeld: false, degraded: true });

    if (lock === 'acquired') {
      // The previous holder may have written the entry and released the lock between our read and
      // our SET NX; without this second look that would be a second load.
      const again = await this.store.readEntry(key, ids);
      if (!again.ok) return this.load(key, ids, opts, { versions, stale, lockHeld: true, degraded: true });
      const hit = this.freshHit(key, ids, again, this.now());
      if (hit !== undefined) {
        await this.store.unlock(key);
        return hit;
      }
      return this.load(key, ids, opts, { versions: again.versions, stale, lockHeld: true, degraded: false });
    }

    let latest = versions;
    for (const delay of this.pollDelays) {
      await sleep(delay);
      const again = await this.store.readEntry(key, ids);
      if (!again.ok) {
        return this.load(key, ids, opts, { versions: latest, stale, lockHeld: false, degraded: true });
      }
      latest = again.versions;
      const hit = this.freshHit(key, ids, again, this.now());
      if (hit !== undefined) return hit;
    }
    return this.load(key, ids, opts, { versions: latest, stale, lockHeld: false, degraded: false });
  }

  private async load(
    key: string,
    ids: readonly string[],
    opts: GetOptions<unknown>,
    plan: LoadPlan,
  ): Promise<Outcome> {
    const startedAt = this.now();
    let value: unknown;
    try {
      value = await opts.load();
      this.recorder.load(true);
    } catch (error) {
      this.recorder.load(false);
      if (plan.lockHeld) await this.store.unlock(key); // let another container try at once
      const best = newest(plan.stale);
      if (best === undefined) throw error;
      this.servedStale(key, error);
      return { value: best.v, source: 'stale', degraded: true };
    }
    this.staleBurst = false;
    if (value === undefined) return { value, source: 'loader', degraded: plan.degraded };

    const ttlMs = this.ttls[opts.dataClass] * 1000;
    // Stamped with versions read before the load, so an invalidation during the load outdates it.
    // Without Redis: the last versions seen, or UNKNOWN_VERSION (re-checked once Redis is back).
    const tags = plan.versions ?? this.versions.current(ids);
    let json: string;
    try {
      json = JSON.stringify({ v: value, exp: startedAt + ttlMs, at: startedAt, tags } satisfies Envelope);
    } catch (error) {
      throw new Error(`cache value for '${key}' is not JSON-serialisable`, { cause: error });
    }
    // Parsed back so that L1 returns the same shape as L2, and the loader's object is not shared.
    const env = parseEnvelope(json);
    if (env === undefined) throw new Error(`cache value for '${key}' is not JSON-serialisable`);
    this.l1.set(key, { env, verifiedAt: startedAt });
    if (plan.versions !== undefined) {
      await this.store.write(key, json, ttlMs + this.staleMsOf(opts.dataClass), plan.lockHeld);
    }
    return { value: env.v, source: 'loader', degraded: plan.degraded };
  }

  private freshHit(key: string, ids: readonly string[], read: EntryRead, now: number): Outcome | undefined {
    if (!read.ok || read.env === undefined || now >= read.env.exp) return undefined;
    if (!sameVersions(read.env.tags, read.versions, ids)) return undefined;
    this.l1.set(key, { env: read.env, verifiedAt: now });
    return { value: read.env.v, source: 'l2', degraded: false };
  }

  private async invalidate(ids: readonly string[], deleteEntries: readonly string[] = []): Promise<void> {
    if (await this.store.bump(ids, deleteEntries)) return;
    // Other containers cannot be told; at least this one stops serving the entries.
    this.versions.forget(ids);
    this.l1.prune((entry) => ids.some((id) => entry.env.tags[id] !== undefined));
    this.recorder.invalidationError();
    metrics.addMetric('CacheInvalidationFailed', MetricUnit.Count, 1);
    logger.error('cache invalidation could not reach Redis; other containers keep the old values until TTL', {
      namespace: this.opts.namespace,
      ids,
    });
  }

  private servedStale(key: string, error: unknown): void {
    metrics.addMetric('CacheStaleServed', MetricUnit.Count, 1);
    if (this.staleBurst) return;
    this.staleBurst = true;
    logger.warn('cache loader failed; serving a stale value', {
      namespace: this.opts.namespace,
      key,
      cause: error instanceof Error ? error.message : String(error),
    });
  }

  private staleMsOf(dataClass: DataClass): number {
    return this.staleForMs ?? this.ttls[dataClass] * 1000;
  }
}

/** Deduplicated (a stamp is a map, so a repeated tag would never match); tag lists are short. */
function tagIdsOf(key: string, opts: GetOptions<unknown>): string[] {
  const ids = [EPOCH_TAG, keyTagId(key)];
  const add = (id: string) => {
    if (!ids.includes(id)) ids.push(id);
  };
  if (opts.tags !== undefined) for (const tag of opts.tags) add(tagId(tag));
  if (opts.userId !== undefined) add(tagId(userTag(opts.userId)));
  return ids;
}

function newest(envelopes: readonly Envelope[]): Envelope | undefined {
  let best: Envelope | undefined;
  for (const env of envelopes) if (best === undefined || env.at > best.at) best = env;
  return best;
}

/** 20, 40, 80, 160, 200, 200… ms until they add up to `totalMs`. */
function backoff(totalMs: number): number[] {
  const delays: number[] = [];
  let sum = 0;
  for (let delay = 20; sum < totalMs; delay = Math.min(delay * 2, 200)) {
    const next = Math.min(delay, totalMs - sum);
    delays.push(next);
    sum += next;
  }
  return delays;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
