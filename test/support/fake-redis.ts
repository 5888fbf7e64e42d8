import type { CacheRedis } from '#shared/cache/two-level-cache.ts';

/** The pipeline `FakeRedis.pipeline` returns: hash commands queued, then sent at once. */
export interface FakePipeline {
  hincrby(key: string, field: string, increment: number): FakePipeline;
  expire(key: string, seconds: number): FakePipeline;
  hgetall(key: string): FakePipeline;
  exec(): Promise<unknown[]>;
}

/** A settable clock in epoch ms, shared by a cache and its fake Redis. */
export class Clock {
  constructor(public t = Date.UTC(2030, 0, 1)) {}

  readonly now = (): number => this.t;

  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * In-memory stand-in for Redis with the semantics the cache relies on (MGET, SET PX / NX, DEL, key
 * expiry), values stored as strings like Redis does. `mode` simulates outages: 'down' rejects at
 * once (the bridge's 503), 'hang' never answers (so only the cache's timeout ends the call).
 */
export class FakeRedis implements CacheRedis {
  readonly store = new Map<string, { value: string; expiresAt: number | undefined }>();
  readonly calls: string[] = [];
  mode: 'up' | 'down' | 'hang' = 'up';
  /** Runs before each command (after it is counted), to interleave other work at an exact point. */
  beforeCommand: ((command: string, key: string | undefined) => Promise<void>) | undefined;

  constructor(private readonly clock: Clock) {}

  async mget(keys: string[]): Promise<unknown[]> {
    await this.gate('mget', keys[0]);
    return keys.map((key) => this.read(key) ?? null);
  }

  async set(
    key: string,
    value: string,
    opts: { px: number } | { px: number; nx: true } | { nx: true },
  ): Promise<unknown> {
    await this.gate('set', key);
    if ('nx' in opts && this.read(key) !== undefined) return null;
    const expiresAt = 'px' in opts ? this.clock.now() + opts.px : undefined;
    this.store.set(key, { value, expiresAt });
    return 'OK';
  }

  async del(...keys: string[]): Promise<number> {
    await this.gate('del', keys[0]);
    let removed = 0;
    for (const key of keys) if (this.read(key) !== undefined && this.store.delete(key)) removed += 1;
    return removed;
  }

  async ping(): Promise<unknown> {
    await this.gate('ping', undefined);
    return 'PONG';
  }

  /**
   * A pipeline of the hash commands the request metrics use (HINCRBY, EXPIRE, HGETALL), sent as
   * one round trip: counted once as `pipeline`, and failing or hanging as a whole like the rest.
   */
  pipeline(): FakePipeline {
    const queued: (() => unknown)[] = [];
    const pipe: FakePipeline = {
      hincrby: (key, field, increment) => {
        queued.push(() => {
          const hash = this.readHash(key);
          const value = Number(hash[field] ?? 0) + increment;
          hash[field] = value;
          this.writeHash(key, hash);
          return value;
        });
        return pipe;
      },
      expire: (key, seconds) => {
        queued.push(() => {
          const item = this.read(key) === undefined ? undefined : this.store.get(key);
          if (item === undefined) return 0;
          item.expiresAt = this.clock.now() + seconds * 1000;
          return 1;
        });
        return pipe;
      },
      hgetall: (key) => {
        // Like @upstash/redis: numeric values come back as numbers, an absent hash as null.
        queued.push(() => (this.read(key) === undefined ? null : this.readHash(key)));
        return pipe;
      },
      exec: async () => {
        await this.gate('pipeline', undefined);
        return queued.map((run) => run());
      },
    };
    return pipe;
  }

  /** A hash's fields (empty when absent). */
  readHash(key: string): Record<string, number | string> {
    const value = this.read(key);
    return value === undefined ? {} : (JSON.parse(value) as Record<string, number | string>);
  }

  private writeHash(key: string, hash: Record<string, number | string>): void {
    const expiresAt = this.read(key) === undefined ? undefined : this.store.get(key)?.expiresAt;
    this.store.set(key, { value: JSON.stringify(hash), expiresAt });
  }

  /** Remaining time to live of a key in ms, undefined when it has none or is absent. */
  pttl(key: string): number | undefined {
    const expiresAt = this.store.get(key)?.expiresAt;
    return expiresAt === undefined ? undefined : expiresAt - this.clock.now();
  }

  count(command: string): number {
    return this.calls.filter((c) => c === command).length;
  }

  private read(key: string): string | undefined {
    const item = this.store.get(key);
    if (item === undefined) return undefined;
    if (item.expiresAt !== undefined && item.expiresAt <= this.clock.now()) {
      this.store.delete(key);
      return undefined;
    }
    return item.value;
  }

  private async gate(command: string, key: string | undefined): Promise<void> {
    this.calls.push(command);
    if (this.beforeCommand !== undefined) await this.beforeCommand(command, key);
    if (this.mode === 'down') throw new Error('ERR redis unavailable: connect ECONNREFUSED');
    if (this.mode === 'hang') await new Promise<void>(() => {});
  }
}
