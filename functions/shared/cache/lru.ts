/**
 * The bounded map of every in-container cache: past `maxEntries`, the least recently used key goes.
 * Map keeps insertion order, so re-inserting on every read keeps the least recently used key first.
 * `peek` reads without refreshing, for users whose eviction order is by last write (version cache,
 * local rate limiter). Expiry is the caller's business: the two-level cache keeps expired entries
 * on purpose, to serve them stale if a loader fails.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new Error(`a bounded map's maxEntries must be a positive integer, got ${maxEntries}`);
    }
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** The value without counting it as a use: it keeps its place in the eviction order. */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  /** Removes every entry `drop` returns true for. */
  prune(drop: (value: V, key: string) => boolean): void {
    for (const [key, value] of this.map) if (drop(value, key)) this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
