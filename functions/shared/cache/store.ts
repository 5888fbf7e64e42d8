import { randomUUID } from 'node:crypto';
import type { CacheRedis, L2 } from './l2.ts';
import {
  type Envelope,
  EPOCH_TAG,
  Keys,
  parseEnvelope,
  type VersionCache,
  type Versions,
  versionOf,
} from './versions.ts';

/** An L2 read: the entry if any, and the current versions of the tags asked for. */
export type EntryRead =
  | { readonly ok: true; readonly env?: Envelope; readonly versions: Versions }
  | { readonly ok: false };

/**
 * The Redis side of one cache namespace: key layout, reads that bring the tag versions along in the
 * same MGET (recording them in the version cache), the epoch, the load lock and version bumps.
 * Every call goes through `L2.run`, so it is bounded in time and never throws.
 */
export class L2Store {
  private readonly keys: Keys;

  constructor(
    namespace: string,
    private readonly l2: L2,
    private readonly versions: VersionCache,
    private readonly now: () => number,
    /** Version keys outlive every entry stamped with them (absent reads as '0'). */
    private readonly versionTtlMs: number,
  ) {
    this.keys = new Keys(namespace);
  }

  /** The entry and the current versions of its tags, in one round trip. */
  async readEntry(key: string, ids: readonly string[]): Promise<EntryRead> {
    const startedAt = this.now();
    const keys = [this.keys.entry(key), ...ids.map((id) => this.keys.version(id))];
    const result = await this.l2.run((redis) => redis.mget(keys));
    if (!result.ok) return { ok: false };
    const [raw, ...rawVersions] = result.value;
    const versions = await this.toVersions(ids, rawVersions, startedAt);
    return versions === undefined ? { ok: false } : { ok: true, env: parseEnvelope(raw), versions };
  }

  /** The current versions only: confirming an L1 entry costs no payload transfer. */
  async readVersions(ids: readonly string[]): Promise<EntryRead> {
    const startedAt = this.now();
    const keys = ids.map((id) => this.keys.version(id));
    const result = await this.l2.run((redis) => redis.mget(keys));
    if (!result.ok) return { ok: false };
    const versions = await this.toVersions(ids, result.value, startedAt);
    return versions === undefined ? { ok: false } : { ok: true, versions };
  }

  async lock(key: string, ttlMs: number): Promise<'acquired' | 'held' | 'down'> {
    const result = await this.l2.run((redis) => redis.set(this.keys.lock(key), '1', { px: ttlMs, nx: true }));
    if (!result.ok) return 'down';
    return result.value === 'OK' ? 'acquired' : 'held';
  }

  async unlock(key: string): Promise<void> {
    await this.l2.run((redis) => redis.del(this.keys.lock(key)));
  }

  /**
   * Stores the entry (and releases the lock). Both commands are issued together: the Upstash
   * client's auto-pipelining sends them in one request, in this order. Without it they may run in
   * either order; the worst case is a duplicate load elsewhere, never a wrong value.
   */
  async write(key: string, json: string, px: number, unlock: boolean): Promise<void> {
    const entryKey = this.keys.entry(key);
    const lockKey = this.keys.lock(key);
    await this.l2.run((redis) =>
      Promise.all([redis.set(entryKey, json, { px }), ...(unlock ? [redis.del(lockKey)] : [])]),
    );
  }

  /** Writes one new random version for all `ids` (and deletes those entries) in one round trip. */
  async bump(ids: readonly string[], deleteEntries: readonly string[] = []): Promise<boolean> {
    const version = randomUUID();
    const px = this.versionTtlMs;
    const entryKeys = deleteEntries.map((key) => this.keys.entry(key));
    const result = await this.l2.run((redis) =>
      Promise.all([
        ...ids.map((id) => redis.set(this.keys.version(id), version, { px })),
        ...(entryKeys.length > 0 ? [redis.del(...entryKeys)] : []),
      ]),
    );
    if (result.ok) this.versions.record(Object.fromEntries(ids.map((id) => [id, version])), this.now());
    return result.ok;
  }

  async ping(): Promise<boolean> {
    return (await this.l2.run((redis) => redis.ping(), true)).ok;
  }

  private async toVersions(
    ids: readonly string[],
    raw: unknown[],
    startedAt: number,
  ): Promise<Versions | undefined> {
    const versions: Record<string, string> = {};
    for (const [i, id] of ids.entries()) {
      const value = raw[i];
      if (id === EPOCH_TAG && (value === null || value === undefined)) {
        const epoch = await this.createEpoch();
        if (epoch === undefined) return undefined;
        versions[id] = epoch;
      } else {
        versions[id] = versionOf(value);
      }
    }
    this.versions.record(versions, startedAt);
    return versions;
  }

  /** First use of the namespace, or Redis lost its data: whoever sets the epoch first wins. */
  private async createEpoch(): Promise<string | undefined> {
    const epochKey = this.keys.version(EPOCH_TAG);
    const mine = `ep-${randomUUID()}`;
    const result = await this.l2.run(async (redis: CacheRedis) => {
      if ((await redis.set(epochKey, mine, { nx: true })) === 'OK') return mine;
      const [current] = await redis.mget([epochKey]);
      return current === null || current === undefined ? undefined : versionOf(current);
    });
    return result.ok ? result.value : undefined;
  }
}
