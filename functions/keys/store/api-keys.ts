import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { queryAll } from '#shared/store/query-all.ts';
import {
  API_KEY_EXPIRY_PK,
  API_KEY_ROTATION_DUE_PK,
  apiKeyByOwnerKey,
  apiKeyExpiryKey,
  apiKeyIdKey,
  apiKeyRotationDueKey,
  apiKeySecretsOf,
  apiKeysOfOwner,
  apiKeyKey as key,
  supersededApiKeyByOwnerKey,
  type TableKey,
  timeRange,
} from '#shared/store/table-keys.ts';
import { rotationDueAt } from '../domain/rotation.ts';

/**
 * One secret of an API key. A key starts with one; each rotation adds one with the same id, name,
 * owner, permissions and expiry, and marks the one it replaces superseded with an end.
 */
export interface ApiKeyRecord {
  readonly id: string;
  readonly hash: string;
  readonly ownerId: string;
  readonly orgId: string;
  readonly name: string;
  readonly prefix: string;
  readonly permissions: readonly string[];
  readonly createdAt: string;
  /** When this secret stops working: the key's expiry, or for a superseded secret its overlap end. */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  /** Rotations before this secret was issued: 0 for the secret made with the key. */
  readonly generation: number;
  /** When a rotation issued this secret; `null` for the secret made with the key. */
  readonly rotatedAt: string | null;
  /** When a rotation replaced this secret; `null` while it is the key's current one. */
  readonly supersededAt: string | null;
  /** Scheduled rotation: every this many days after the current secret was issued. */
  readonly rotationEveryDays: number | null;
  /** A scheduled rotation left this secret, sealed, for the owner to collect once. */
  readonly secretToCollect: boolean;
}

/** An entry of the jobs' indexes: which key, whose. */
export interface KeyRef {
  readonly keyId: string;
  readonly ownerId: string;
}

export interface Rotation {
  /** The current secret as read; the rotation fails if it was superseded or revoked since. */
  readonly current: ApiKeyRecord;
  readonly next: ApiKeyRecord;
  /** The old secret's new end (overlap end, or the key's expiry if sooner). */
  readonly currentEndsAt: string;
  /** The new secret sealed for collection (scheduled rotations), or `null` (shown to the caller). */
  readonly sealedSecret: string | null;
  /** Superseded secrets past their end, deleted on the way (a key's items stay few). */
  readonly ended: readonly ApiKeyRecord[];
}

/** The key changed between read and write (rotated or revoked meanwhile): read again. */
export class KeyChangedError extends Error {
  constructor() {
    super('The API key changed during the update');
    this.name = 'KeyChangedError';
  }
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord): Promise<void>;
  getByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Every secret of every key of the owner, superseded ones included. */
  listByOwner(ownerId: string): Promise<ApiKeyRecord[]>;
  /** The key's current secret. */
  getById(ownerId: string, id: string): Promise<ApiKeyRecord | undefined>;
  /** Every secret of one key, current and superseded. */
  secretsOf(ownerId: string, id: string): Promise<ApiKeyRecord[]>;
  /** Who owns a key, from its id alone (keys created before rotation existed have no entry). */
  ownerOf(id: string): Promise<string | undefined>;
  /** All in one transaction; throws `KeyChangedError` if `current` is no longer current and live. */
  rotate(rotation: Rotation): Promise<void>;
  /** Sets (or with `null` clears) the schedule; throws `KeyChangedError` as `rotate` does. */
  setRotationSchedule(current: ApiKeyRecord, everyDays: number | null): Promise<void>;
  /**
   * Revokes every unrevoked secret of the key at once, drops a secret waiting for collection and
   * the key's job index entries. Throws `KeyChangedError` if a rotation got in between.
   */
  revokeKey(secrets: readonly ApiKeyRecord[], at: string): Promise<void>;
  /** The sealed secret waiting on this (current, live) secret, removed as it is read: once only. */
  takeSecretToCollect(hash: string): Promise<string | undefined>;
  /** Keys whose scheduled rotation is due at or before `by`. */
  rotationsDue(by: string): Promise<KeyRef[]>;
  /** Keys expiring in [from, to]. */
  expiringBetween(from: string, to: string): Promise<Array<KeyRef & { readonly expiresAt: string }>>;
  /** Records use; writes only when the stored value is older than `staleBefore` (one write a minute at most). */
  touch(hash: string, at: string, staleBefore: string): Promise<void>;
}

function strip(item: Record<string, unknown> | undefined): ApiKeyRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, sealedSecret, ...rest } = item;
  // Items written before rotation existed lack the rotation fields: they read as a first secret.
  return {
    generation: 0,
    rotatedAt: null,
    supersededAt: null,
    rotationEveryDays: null,
    ...rest,
    secretToCollect: typeof sealedSecret === 'string',
  } as unknown as ApiKeyRecord;
}

/** What is stored of a record: everything but the derived flag. */
function itemOf(record: ApiKeyRecord, sealedSecret: string | null = null) {
  const { secretToCollect: _derived, ...stored } = record;
  return {
    ...key(record.hash),
    ...stored,
    ...apiKeyByOwnerKey(record.ownerId, record.id),
    ...(sealedSecret === null ? {} : { sealedSecret }),
  };
}

const CURRENT_AND_LIVE =
  'attribute_exists(pk) AND revokedAt = :null AND (attribute_not_exists(supersededAt) OR supersededAt = :null)';

function cancelledAsChanged(error: unknown): never {
  if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException)
    throw new KeyChangedError();
  throw error;
}

export function dynamoApiKeyStore(tableName: string): ApiKeyStore {
  const put = (Item: object, ConditionExpression?: string) => ({
    Put: { TableName: tableName, Item: { ...Item }, ...(ConditionExpression ? { ConditionExpression } : {}) },
  });
  const del = (Key: TableKey) => ({ Delete: { TableName: tableName, Key: { ...Key } } });
  const ref = (record: ApiKeyRecord): KeyRef => ({ keyId: record.id, ownerId: record.ownerId });
  const dueEntry = (record: ApiKeyRecord, dueAt: string | null) =>
    dueAt === null ? [] : [{ ...apiKeyRotationDueKey(dueAt, record.id), ...ref(record) }];

  /** Deletes the old due entry and puts the new one; one write when both are the same item. */
  function dueChanges(before: ApiKeyRecord, after: ApiKeyRecord) {
    const [was, will] = [rotationDueAt(before), rotationDueAt(after)];
    return [
      ...(was !== null && was !== will ? [del(apiKeyRotationDueKey(was, before.id))] : []),
      ...dueEntry(after, will).map((item) => put(item)),
    ];
  }

  /** Every record on the owner index under one sort-key prefix (a user's keys, one key's secrets). */
  async function ownerItems(range: { gsi1pk: string; gsi1skPrefix: string }): Promise<ApiKeyRecord[]> {
    const items = await queryAll({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :owner AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: { ':owner': range.gsi1pk, ':prefix': range.gsi1skPrefix },
    });
    return items.map((item) => strip(item) as ApiKeyRecord);
  }

  /**
   * Updates the key's current secret on condition it is still current and live, with `others` in
   * the same transaction; a failed condition is `KeyChangedError`.
   */
  async function changeCurrent(
    current: ApiKeyRecord,
    UpdateExpression: string,
    values: Record<string, unknown>,
    others: readonly object[],
  ): Promise<void> {
    try {
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: key(current.hash),
                UpdateExpression,
                ConditionExpression: CURRENT_AND_LIVE,
                ExpressionAttributeValues: { ...values, ':null': null },
              },
            },
            ...others,
          ],
        }),
      );
    } catch (error) {
      cancelledAsChanged(error);
    }
  }

  return {
    async create(record) {
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            put(itemOf(record), 'attribute_not_exists(pk)'),
            put({ ...apiKeyIdKey(record.id), ...ref(record) }, 'attribute_not_exists(pk)'),
            ...(record.expiresAt === null
              ? []
              : [
                  put({
                    ...apiKeyExpiryKey(record.expiresAt, record.id),
                    ...ref(record),
                    expiresAt: record.expiresAt,
                  }),
                ]),
            ...dueEntry(record, rotationDueAt(record)).map((item) => put(item)),
          ],
        }),
      );
    },

    async getByHash(hash) {
      const out = await dynamo.send(new GetCommand({ TableName: tableName, Key: key(hash) }));
      return strip(out.Item);
    },

    async listByOwner(ownerId) {
      return ownerItems(apiKeysOfOwner(ownerId));
    },

    async getById(ownerId, id) {
      const { gsi1pk, gsi1sk } = apiKeyByOwnerKey(ownerId, id);
      const items = await queryAll({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :owner AND gsi1sk = :sk',
        ExpressionAttributeValues: { ':owner': gsi1pk, ':sk': gsi1sk },
      });
      return strip(items[0]);
    },

    async secretsOf(ownerId, id) {
      return ownerItems(apiKeySecretsOf(ownerId, id));
    },

    async ownerOf(id) {
      const out = await dynamo.send(
        new GetCommand({ TableName: tableName, Key: apiKeyIdKey(id), ConsistentRead: true }),
      );
      const owner = out.Item?.ownerId;
      return typeof owner === 'string' ? owner : undefined;
    },

    async rotate({ current, next, currentEndsAt, sealedSecret, ended }) {
      const superseded = supersededApiKeyByOwnerKey(current.ownerId, current.id, current.generation);
      // The old secret leaves the "current" index entry and gets its end; a secret it left for
      // collection is no longer worth collecting.
      await changeCurrent(
        current,
        'SET supersededAt = :at, expiresAt = :end, gsi1sk = :sk REMOVE sealedSecret',
        { ':at': next.rotatedAt, ':end': currentEndsAt, ':sk': superseded.gsi1sk },
        [
          put(itemOf(next, sealedSecret), 'attribute_not_exists(pk)'),
          ...dueChanges(current, next),
          ...ended.map((old) => del(key(old.hash))),
        ],
      );
    },

    async setRotationSchedule(current, everyDays) {
      await changeCurrent(current, 'SET rotationEveryDays = :every', { ':every': everyDays }, [
        ...dueChanges(current, { ...current, rotationEveryDays: everyDays }),
        // Keys made before rotation existed get their by-id entry here, so an admin finds them.
        put({ ...apiKeyIdKey(current.id), ...ref(current) }),
      ]);
    },

    async revokeKey(secrets, at) {
      const live = secrets.filter((secret) => secret.revokedAt === null);
      const current = secrets.find((secret) => secret.supersededAt === null);
      if (live.length === 0 || current === undefined) return;
      const due = rotationDueAt(current);
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              ...live.map((secret) => ({
                Update: {
                  TableName: tableName,
                  Key: key(secret.hash),
                  UpdateExpression: 'SET revokedAt = :at REMOVE sealedSecret',
                  // The current secret must still be current: a rotation in between would leave
                  // its new secret unrevoked.
                  ConditionExpression:
                    secret === current
                      ? 'attribute_exists(pk) AND (attribute_not_exists(supersededAt) OR supersededAt = :null)'
                      : 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':at': at, ...(secret === current ? { ':null': null } : {}) },
                },
              })),
              ...(due === null ? [] : [del(apiKeyRotationDueKey(due, current.id))]),
              ...(current.expiresAt === null || current.revokedAt !== null
                ? []
                : [del(apiKeyExpiryKey(current.expiresAt, current.id))]),
            ],
          }),
        );
      } catch (error) {
        cancelledAsChanged(error);
      }
    },

    async takeSecretToCollect(hash) {
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(hash),
            UpdateExpression: 'REMOVE sealedSecret',
            ConditionExpression: `attribute_exists(sealedSecret) AND ${CURRENT_AND_LIVE}`,
            ExpressionAttributeValues: { ':null': null },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const sealed = out.Attributes?.sealedSecret;
        return typeof sealed === 'string' ? sealed : undefined;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },

    async rotationsDue(by) {
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk <= :to',
        ExpressionAttributeValues: { ':pk': API_KEY_ROTATION_DUE_PK, ':to': timeRange(by, by).to },
        ConsistentRead: true,
      });
      return items.map((item) => ({ keyId: String(item.keyId), ownerId: String(item.ownerId) }));
    },

    async expiringBetween(from, to) {
      const range = timeRange(from, to);
      const items = await queryAll({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': API_KEY_EXPIRY_PK, ':from': range.from, ':to': range.to },
        ConsistentRead: true,
      });
      return items.map((item) => ({
        keyId: String(item.keyId),
        ownerId: String(item.ownerId),
        expiresAt: String(item.expiresAt),
      }));
    },

    async touch(hash, at, staleBefore) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(hash),
            UpdateExpression: 'SET lastUsedAt = :at',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt = :null OR lastUsedAt < :stale)',
            ExpressionAttributeValues: { ':at': at, ':stale': staleBefore, ':null': null },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
