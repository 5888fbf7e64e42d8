import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../clients/dynamodb.ts';
import { boundResource } from '../config/bindings.ts';
import { privacySettingsFromEnv } from '../config/privacy.ts';
import { open as openSealed, seal } from '../crypto-box.ts';
import { queryAll } from '../store/query-all.ts';
import { derivedKeyLoader } from './key-material.ts';
import { pseudonymKey, pseudonymOf } from './pseudonym.ts';

/**
 * Per-person data keys (envelope encryption) in their own table (`PersonalKeysTable`): what
 * personal fields kept in append-only stores (the audit trail) and in backed-up items (sessions)
 * are sealed with. One random 256-bit key per person per calendar month (UTC), wrapped by a master
 * key derived from the data-key secret:
 *
 * | pk                    | sk        | kid            | wrapped                  | expiresAt                            |
 * |-----------------------|-----------|----------------|--------------------------|--------------------------------------|
 * | `PERSON#<pseudonym>`  | `YYYY-MM` | 8 random bytes | `seal(key, master, aad)` | end of month + retention (epoch s)   |
 *
 * Deleting a key is crypto-shredding: every value sealed with it is unreadable at once, wherever a
 * copy lives. The table has no point-in-time recovery (a restore must never bring a shredded key
 * back), and DynamoDB TTL shreds a month of a person's fields when its retention ends
 * (docs/decisions/0011-personal-data-at-rest.md).
 */

export interface PersonalKey {
  /** Names the key on the records sealed with it: pseudonym, month and key id, never the user id. */
  readonly ref: string;
  readonly key: Buffer;
}

export interface PersonalKeys {
  /** The person's pseudonym under the same key the key table is keyed by (`pseudonym.ts`). */
  pseudonymOf(userId: string): Promise<string>;
  /** The person's key for the month of `at`, created on first use. */
  keyFor(userId: string, at: Date): Promise<PersonalKey>;
  /**
   * The key a ref names, read afresh each call (a destroyed key is unreadable at once);
   * `undefined` once it is shredded: destroyed, replaced after destruction, or past its retention.
   */
  open(ref: string): Promise<Buffer | undefined>;
  /** Deletes every key of the person (crypto-shredding); the number deleted. Idempotent. */
  destroyAll(userId: string): Promise<number>;
  /** How many keys of the person exist (0 after `destroyAll`). */
  count(userId: string): Promise<number>;
}

export interface PersonalKeysOptions {
  readonly tableName: string;
  /** Wraps the data keys. */
  readonly masterKey: () => Promise<Buffer>;
  readonly pseudonymKey: () => Promise<Buffer>;
  /** Days a month's key lives after the month ends (`PrivacySettings.auditPersonalRetentionDays`). */
  readonly retentionDays: number;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** HKDF context of the master key that wraps the personal data keys. */
export const PERSONAL_KEYS_CONTEXT = 'nimbus/personal-keys/v1';

const KEY_BYTES = 32;
const KID_BYTES = 8;
const REF = /^([A-Za-z0-9_-]{22})\.(\d{4}-\d{2})\.([A-Za-z0-9_-]{11})$/;
const DAY_SECONDS = 86_400;

/** The partition of a person's keys. */
export const personPk = (pseudonym: string): string => `PERSON#${pseudonym}`;

/** The key item of a person's month. */
export const personalKeyKey = (pseudonym: string, month: string) => ({ pk: personPk(pseudonym), sk: month });

/** `YYYY-MM` of `at` in UTC. */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** Epoch seconds at which a month's key is shredded: the end of the month plus the retention. */
export function keyExpiry(month: string, retentionDays: number): number {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  // Date.UTC's month is 0-based: passing the 1-based number gives the first instant of the next month.
  return Date.UTC(year, monthNumber, 1) / 1000 + retentionDays * DAY_SECONDS;
}

const wrapAad = (pk: string, sk: string, kid: string) => `${pk}|${sk}|${kid}`;

function parseRef(ref: string): { pseudonym: string; month: string; kid: string } {
  const match = REF.exec(ref);
  if (!match) throw new Error('malformed personal key ref');
  return { pseudonym: match[1] ?? '', month: match[2] ?? '', kid: match[3] ?? '' };
}

interface KeyItem {
  readonly pk: string;
  readonly sk: string;
  readonly kid: string;
  readonly wrapped: string;
  readonly expiresAt: number;
}

function isKeyItem(item: Record<string, unknown> | undefined): item is Record<string, unknown> & KeyItem {
  return (
    item !== undefined &&
    typeof item.kid === 'string' &&
    typeof item.wrapped === 'string' &&
    typeof item.expiresAt === 'number'
  );
}

export function dynamoPersonalKeys(options: PersonalKeysOptions): PersonalKeys {
  const { tableName, retentionDays, now = () => new Date() } = options;

  async function unwrap(item: KeyItem): Promise<Buffer> {
    const text = openSealed(item.wrapped, await options.masterKey(), wrapAad(item.pk, item.sk, item.kid));
    const key = Buffer.from(text, 'base64url');
    if (key.length !== KEY_BYTES) throw new Error('personal key has the wrong length');
    return key;
  }

  async function read(pk: string, sk: string): Promise<KeyItem | undefined> {
    // Consistent: a key destroyed a moment ago must not be served from a stale replica.
    const out = await dynamo.send(
      new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return isKeyItem(out.Item) ? out.Item : undefined;
  }

  const pseudonym = async (userId: string) => pseudonymOf(await options.pseudonymKey(), userId);
  const refOf = (name: string, item: KeyItem) => `${name}.${item.sk}.${item.kid}`;

  return {
    pseudonymOf: pseudonym,

    async keyFor(userId, at) {
      const name = await pseudonym(userId);
      const { pk, sk } = personalKeyKey(name, monthOf(at));
      const existing = await read(pk, sk);
      if (existing) return { ref: refOf(name, existing), key: await unwrap(existing) };

      const key = randomBytes(KEY_BYTES);
      const kid = randomBytes(KID_BYTES).toString('base64url');
      const item: KeyItem = {
        pk,
        sk,
        kid,
        wrapped: seal(key.toString('base64url'), await options.masterKey(), wrapAad(pk, sk, kid)),
        expiresAt: keyExpiry(sk, retentionDays),
      };
      try {
        await dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { ref: refOf(name, item), key };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // Another writer created this month's key first: use theirs, so one month has one key.
      const winner = await read(pk, sk);
      if (!winner) throw new Error('personal key vanished while being created');
      return { ref: refOf(name, winner), key: await unwrap(winner) };
    },

    async open(ref) {
      const { pseudonym: name, month, kid } = parseRef(ref);
      const { pk, sk } = personalKeyKey(name, month);
      const item = await read(pk, sk);
      // A different kid is a key created after this one was destroyed: the ref's key is gone.
      if (!item || item.kid !== kid) return undefined;
      // TTL deletes within days of expiry, not at once: retention ends at expiresAt all the same.
      if (item.expiresAt <= Math.floor(now().getTime() / 1000)) return undefined;
      return unwrap(item);
    },

    async destroyAll(userId) {
      const pk = personPk(await pseudonym(userId));
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      const deleted = await Promise.all(
        items.map(async ({ sk }) => {
          const out = await dynamo.send(
            new DeleteCommand({ TableName: tableName, Key: { pk, sk }, ReturnValues: 'ALL_OLD' }),
          );
          return out.Attributes === undefined ? 0 : 1;
        }),
      );
      return deleted.reduce<number>((sum, one) => sum + one, 0);
    },

    async count(userId) {
      const pk = personPk(await pseudonym(userId));
      let total = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const out = await dynamo.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            Select: 'COUNT',
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        total += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
      return total;
    },
  };
}

/**
 * Opens keys for one call (a page of events, a list of sessions): each key read once, nothing
 * kept after, so a key destroyed is unreadable from the next call on.
 */
export function keyOpener(keys: PersonalKeys): (ref: string) => Promise<Buffer | undefined> {
  const opened = new Map<string, Promise<Buffer | undefined>>();
  return (ref) => {
    let key = opened.get(ref);
    if (key === undefined) {
      key = keys.open(ref);
      opened.set(ref, key);
    }
    return key;
  };
}

/** The container's master key, derived from the bound data-key secret (read once). */
export const personalMasterKey: () => Promise<Buffer> = derivedKeyLoader(PERSONAL_KEYS_CONTEXT);

let bound: PersonalKeys | undefined;

/**
 * The personal keys of the bound table (`personalKeysTable`) and data-key secret, built on first
 * call: stores take this as a loader, so a function that never touches a person's data (the
 * authorizer's session reads) needs no binding to it.
 */
export function boundPersonalKeys(): PersonalKeys {
  bound ??= dynamoPersonalKeys({
    tableName: boundResource('personalKeysTable'),
    masterKey: personalMasterKey,
    pseudonymKey,
    retentionDays: privacySettingsFromEnv().auditPersonalRetentionDays,
  });
  return bound;
}
