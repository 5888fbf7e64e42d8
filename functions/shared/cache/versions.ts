/**
 * Tag versions: how invalidation reaches every container.
 *
 * Each tag has a version key in Redis (absent = '0'); invalidating a tag writes a fresh random
 * version. An entry records the versions of its tags as read *before* its loader ran, and is valid
 * only while they are still current, so an invalidation that races a load is never lost: the entry
 * written by that load already carries the old version.
 *
 * Every entry carries three kinds of tag id:
 * - `epoch`: one random value per namespace, created when missing. If Redis loses its data
 *   (restart without persistence, failover, eviction) every tag version would silently fall back to
 *   '0' and re-validate entries invalidated before the loss; a new epoch invalidates them all instead.
 * - `k:<key>`: the key itself, so `delete(key)` reaches other containers' L1 too.
 * - `t:<tag>`: the caller's tags, including `t:user:<id>` for `userId`.
 */
import { Lru } from './lru.ts';
import { CACHE_PREFIX } from './namespaces.ts';

export type Versions = Readonly<Record<string, string>>;

/** Stamped on entries loaded while Redis was unreachable and the version was not known. Never matches. */
export const UNKNOWN_VERSION = '?';
export const EPOCH_TAG = 'epoch';

export const keyTagId = (key: string): string => `k:${key}`;
export const tagId = (tag: string): string => `t:${tag}`;
export const userTag = (userId: string): string => `user:${userId}`;

/** Redis key layout of one namespace. */
export class Keys {
  private readonly prefix: string;

  constructor(namespace: string) {
    this.prefix = `${CACHE_PREFIX}${namespace}:`;
  }

  entry(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  lock(key: string): string {
    return `${this.prefix}l:${key}`;
  }

  version(id: string): string {
    return `${this.prefix}v:${id}`;
  }
}

/** The version as stored; the Upstash client may already have JSON-parsed it. */
export function versionOf(raw: unknown): string {
  return raw === null || raw === undefined ? '0' : String(raw);
}

/** True when `stamped` has exactly `ids` and each equals the current version. */
export function sameVersions(stamped: Versions, current: Versions, ids: readonly string[]): boolean {
  if (Object.keys(stamped).length !== ids.length) return false;
  for (const id of ids) {
    const version = stamped[id];
    if (version === undefined || version === UNKNOWN_VERSION || version !== current[id]) return false;
  }
  return true;
}

export function hasTagSet(stamped: Versions, ids: readonly string[]): boolean {
  if (Object.keys(stamped).length !== ids.length) return false;
  for (const id of ids) if (stamped[id] === undefined) return false;
  return true;
}

export type VersionCheck = 'match' | 'mismatch' | 'unknown';

/**
 * The versions this container last read, so an L1 hit needs no Redis round trip while they are
 * younger than `freshMs`. That is the price: an invalidation made by another container is seen
 * here up to `freshMs` late. A newer read never loses to an older one that finishes later: each
 * record carries the time its read *started*. Past `maxSize` ids, the least recently recorded goes.
 */
export class VersionCache {
  private readonly known: Lru<{ version: string; at: number }>;

  constructor(
    private readonly freshMs: number,
    maxSize: number,
  ) {
    this.known = new Lru(maxSize);
  }

  /**
   * 'mismatch' as soon as any known version differs from the stamp, however old: versions only
   * move forward, so the entry is outdated. 'match' only when all are known and fresh.
   */
  check(stamped: Versions, ids: readonly string[], now: number): VersionCheck {
    let result: VersionCheck = 'match';
    for (const id of ids) {
      const known = this.known.peek(id);
      if (known === undefined) {
        result = 'unknown';
        continue;
      }
      if (known.version !== stamped[id]) return 'mismatch';
      if (now - known.at >= this.freshMs) result = 'unknown';
    }
    return result;
  }

  /** When the stamp was last confirmed by reads (the oldest of its tags), if every tag is known and equal. */
  confirmedAt(stamped: Versions, ids: readonly string[]): number | undefined {
    let oldest = Number.POSITIVE_INFINITY;
    for (const id of ids) {
      const known = this.known.peek(id);
      if (known === undefined || known.version !== stamped[id]) return undefined;
      oldest = Math.min(oldest, known.at);
    }
    return oldest;
  }

  /** Last known versions, of any age; UNKNOWN_VERSION where none was ever read. */
  current(ids: readonly string[]): Versions {
    const out: Record<string, string> = {};
    for (const id of ids) out[id] = this.known.peek(id)?.version ?? UNKNOWN_VERSION;
    return out;
  }

  record(versions: Versions, at: number): void {
    for (const [id, version] of Object.entries(versions)) {
      const previous = this.known.peek(id);
      if (previous !== undefined && previous.at > at) continue;
      this.known.set(id, { version, at });
    }
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.known.delete(id);
  }
}

/** What is stored in L1 and (as JSON) in L2. */
export interface Envelope {
  readonly v: unknown;
  /** Epoch ms after which the value is stale. */
  readonly exp: number;
  /** Epoch ms when the load that produced it started. */
  readonly at: number;
  readonly tags: Versions;
}

export function parseEnvelope(raw: unknown): Envelope | undefined {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || !('v' in value)) return undefined;
  const { exp, at, tags } = value;
  if (typeof exp !== 'number' || typeof at !== 'number' || !isRecord(tags)) return undefined;
  for (const version of Object.values(tags)) if (typeof version !== 'string') return undefined;
  return value as unknown as Envelope;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
