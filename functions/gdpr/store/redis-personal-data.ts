import { randomUUID } from 'node:crypto';
import { EPOCH_TAG, Keys, parseEnvelope, tagId, userTag } from '#shared/cache/versions.ts';
import { getRedis } from '#shared/clients/redis.ts';
import { rateLimitConfigFromEnv } from '#shared/config/rate-limits.ts';
import {
  accountIdentifier,
  identifierKeyLoader,
  keyedIdentifier,
  principalIdentifier,
} from '#shared/ratelimit/identifiers.ts';
import type { DataSubject, PersonalDataStore, StoreReport } from '../domain/personal-data.ts';
import {
  classifyKey,
  keyNamesSubject,
  REDIS_KEY_ROOTS,
  type RedisKeyPattern,
  type SubjectNeedles,
} from '../domain/redis-keys.ts';

/** The Redis commands the adapter needs; `@upstash/redis`'s `Redis` satisfies it. */
export interface PersonalDataRedis {
  scan(cursor: string, opts: { match: string; count: number }): Promise<[string, string[]]>;
  mget(keys: string[]): Promise<unknown[]>;
  unlink(...keys: string[]): Promise<number>;
  set(key: string, value: string): Promise<unknown>;
}

export interface RedisPersonalDataDeps {
  readonly redis: () => Promise<PersonalDataRedis>;
  /** The HMAC key of rate-limit identifiers (`identifiers.ts`): the subject's counters are named by it. */
  readonly identifierKey: () => Promise<Buffer>;
  /** SCAN COUNT hint. @default 1000 */
  readonly scanCount?: number;
  /** Keys per MGET / UNLINK. @default 500 */
  readonly batchSize?: number;
}

export const REDIS_STORE_ID = 'redis';

/** The subject's keys, by declared pattern. */
type Found = Map<RedisKeyPattern, string[]>;

/**
 * The Redis entry of the data map (`../domain/redis-keys.ts` declares what it walks):
 * - finds the subject's keys in one SCAN pass over every Nimbus key (never KEYS): keys naming their
 *   user id (cache entries of per-principal routes, paths, authorizer session verdicts, locks,
 *   versions), keys named by the keyed hash of `p:<userId>` or `acct:<email>` (rate-limit counters),
 *   and cache entries whose value is tagged with the user (authorizer verdicts on their API keys);
 * - erases them with UNLINK, after bumping the epoch of each cache namespace that held any, so that
 *   every container's in-memory copy (L1) is dropped at its next version check (≤ 1 s), not only the
 *   Redis copy. Bumping the user's tag instead would leave a key naming them. The price: that
 *   namespace's other entries reload once, which an erasure (rare) can afford.
 * - IP-keyed rate-limit counters cannot be found by person (no IP is kept with the user): they
 *   end by their TTL (≤ 2 windows, at most 2 h), as the declaration says.
 */
export function redisPersonalDataStore(deps: RedisPersonalDataDeps): PersonalDataStore {
  const scanCount = deps.scanCount ?? 1000;
  const batchSize = deps.batchSize ?? 500;

  async function needlesOf(subject: DataSubject): Promise<SubjectNeedles> {
    const key = await deps.identifierKey();
    const hashes = [keyedIdentifier(key, principalIdentifier(subject.userId))];
    if (subject.email !== null) hashes.push(keyedIdentifier(key, accountIdentifier(subject.email)));
    return { userId: subject.userId, hashes };
  }

  async function* scanAll(redis: PersonalDataRedis): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, {
        match: `${commonPrefix(REDIS_KEY_ROOTS)}*`,
        count: scanCount,
      });
      cursor = String(next);
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  async function* batchesOf<T>(items: readonly T[]): AsyncGenerator<T[]> {
    for (let i = 0; i < items.length; i += batchSize) yield items.slice(i, i + batchSize);
  }

  async function find(redis: PersonalDataRedis, subject: DataSubject): Promise<Found> {
    const needles = await needlesOf(subject);
    const found: Found = new Map();
    const add = (pattern: RedisKeyPattern, key: string) => {
      const keys = found.get(pattern) ?? [];
      if (!keys.includes(key)) keys.push(key);
      found.set(pattern, keys);
    };
    const byValue: { pattern: RedisKeyPattern; key: string }[] = [];
    for await (const keys of scanAll(redis)) {
      for (const key of keys) {
        const pattern = classifyKey(key);
        if (pattern === undefined) continue;
        if (keyNamesSubject(key, needles)) add(pattern, key);
        else if (pattern.identifies.includes('user-tag-in-value')) byValue.push({ pattern, key });
      }
    }
    // Values tagged with the user: the tag id an entry carries for `userId` (`versions.ts`).
    const tag = tagId(userTag(subject.userId));
    for await (const batch of batchesOf(byValue)) {
      const values = await redis.mget(batch.map(({ key }) => key));
      for (const [i, { pattern, key }] of batch.entries()) {
        const envelope = parseEnvelope(values[i]);
        if (envelope !== undefined && Object.hasOwn(envelope.tags, tag)) add(pattern, key);
      }
    }
    return found;
  }

  return {
    id: REDIS_STORE_ID,

    async export(subject: DataSubject) {
      const redis = await deps.redis();
      const found = await find(redis, subject);
      const keys: Record<string, number> = {};
      const entries: { pattern: string; value: unknown }[] = [];
      for (const [pattern, names] of found) {
        keys[pattern.id] = names.length;
        if (!pattern.exportValue) continue;
        for await (const batch of batchesOf(names)) {
          const values = await redis.mget(batch);
          for (const raw of values) {
            const envelope = parseEnvelope(raw);
            if (envelope !== undefined) entries.push({ pattern: pattern.id, value: exportable(envelope.v) });
          }
        }
      }
      return { keys, entries };
    },

    async erase(subject: DataSubject): Promise<StoreReport> {
      const redis = await deps.redis();
      const found = await find(redis, subject);
      const namespaces = new Set<string>();
      for (const pattern of found.keys())
        if (pattern.namespace !== undefined) namespaces.add(pattern.namespace);
      // First the epochs, then the keys: a run that fails between them is re-run and bumps again.
      for (const namespace of namespaces) {
        await redis.set(new Keys(namespace).version(EPOCH_TAG), `ep-${randomUUID()}`);
      }
      let items = 0;
      for (const names of found.values()) {
        for await (const batch of batchesOf(names)) items += await redis.unlink(...batch);
      }
      return {
        store: REDIS_STORE_ID,
        items,
        fields: {
          erased: [...found.keys()].map((pattern) => pattern.id).sort(),
          anonymised: [],
          shredded: [],
        },
      };
    },

    async verify(subject: DataSubject): Promise<number> {
      const found = await find(await deps.redis(), subject);
      let count = 0;
      for (const names of found.values()) count += names.length;
      return count;
    },
  };
}

/**
 * The adapter over the container's Upstash client and the rate-limit HMAC key. The function running
 * it needs the `redis` binding and the `rateLimitKeySecret` secret (or NIMBUS_RATE_LIMIT_ID_KEY).
 */
export function defaultRedisPersonalDataStore(): PersonalDataStore {
  return redisPersonalDataStore({
    redis: getRedis,
    identifierKey: identifierKeyLoader(rateLimitConfigFromEnv().identifierKey),
  });
}

/** A cached response as the subject's data: its body parsed when it is JSON, without the ETag. */
function exportable(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('body' in value) || typeof value.body !== 'string') {
    return value;
  }
  const { etag: _etag, body, ...rest } = value as { etag?: unknown; body: string };
  try {
    return { ...rest, body: JSON.parse(body) as unknown };
  } catch {
    return { ...rest, body };
  }
}

function commonPrefix(values: readonly string[]): string {
  const [first = '', ...rest] = values;
  let prefix = first;
  for (const value of rest) while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
