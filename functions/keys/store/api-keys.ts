import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { apiKeyByOwnerKey, apiKeysOfOwner, apiKeyKey as key } from '#shared/store/table-keys.ts';

export interface ApiKeyRecord {
  readonly id: string;
  readonly hash: string;
  readonly ownerId: string;
  readonly orgId: string;
  readonly name: string;
  readonly prefix: string;
  readonly permissions: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface ApiKeyStore {
  create(record: ApiKeyRecord): Promise<void>;
  getByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listByOwner(ownerId: string): Promise<ApiKeyRecord[]>;
  getById(ownerId: string, id: string): Promise<ApiKeyRecord | undefined>;
  revoke(hash: string, at: string): Promise<boolean>;
  /** Records use; writes only when the stored value is older than `staleBefore` (one write a minute at most). */
  touch(hash: string, at: string, staleBefore: string): Promise<void>;
}

function strip(item: Record<string, unknown> | undefined): ApiKeyRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as unknown as ApiKeyRecord;
}

export function dynamoApiKeyStore(tableName: string): ApiKeyStore {
  return {
    async create(record) {
      await dynamo.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...key(record.hash),
            ...record,
            ...apiKeyByOwnerKey(record.ownerId, record.id),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async getByHash(hash) {
      const out = await dynamo.send(new GetCommand({ TableName: tableName, Key: key(hash) }));
      return strip(out.Item);
    },

    async listByOwner(ownerId) {
      const { gsi1pk, gsi1skPrefix } = apiKeysOfOwner(ownerId);
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :owner AND begins_with(gsi1sk, :prefix)',
          ExpressionAttributeValues: { ':owner': gsi1pk, ':prefix': gsi1skPrefix },
        }),
      );
      return (out.Items ?? []).map((item) => strip(item) as ApiKeyRecord);
    },

    async getById(ownerId, id) {
      const { gsi1pk, gsi1sk } = apiKeyByOwnerKey(ownerId, id);
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :owner AND gsi1sk = :sk',
          ExpressionAttributeValues: { ':owner': gsi1pk, ':sk': gsi1sk },
        }),
      );
      return strip(out.Items?.[0]);
    },

    async revoke(hash, at) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(hash),
            UpdateExpression: 'SET revokedAt = :at',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt = :null)',
            ExpressionAttributeValues: { ':at': at, ':null': null },
          }),
        );
        return true;
      } catch (error) {
        // Already revoked (the first time stays) or no such key.
        if (error instanceof ConditionalCheckFailedException)
          return (await this.getByHash(hash)) !== undefined;
        throw error;
      }
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
