import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { refreshTokenKey as refreshKey, sessionKey, sessionsOfUser } from '#shared/store/table-keys.ts';

/** One login. Its refresh tokens form the session's family: revoking the session kills them all. */
export interface Session {
  readonly sessionId: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  /** Epoch seconds after which the session is dead whatever happens. */
  readonly absoluteExpiresAt: number;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface RefreshRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly status: 'active' | 'rotated';
  readonly issuedAt: number;
  /** Epoch seconds: unused until then, the token dies (idle lifetime). */
  readonly idleExpiresAt: number;
  readonly rotatedAt: number | null;
}

export class RefreshRaceError extends Error {
  constructor() {
    super('refresh token already rotated');
    this.name = 'RefreshRaceError';
  }
}

export interface SessionStore {
  create(session: Session, firstRefresh: RefreshRecord): Promise<void>;
  get(userId: string, sessionId: string): Promise<Session | undefined>;
  list(userId: string): Promise<Session[]>;
  /** Marks the session revoked; false when it does not exist. Idempotent. */
  revoke(userId: string, sessionId: string, reason: string, at: string): Promise<boolean>;
  getRefresh(tokenHash: string): Promise<RefreshRecord | undefined>;
  /** Atomically: old token active → rotated (or already rotated, within grace), new token stored, session touched. */
  rotate(old: RefreshRecord, next: RefreshRecord, at: string): Promise<void>;
}

// Items linger one day past their end for forensics, then DynamoDB TTL sweeps them.
const ttl = (epochSeconds: number) => epochSeconds + 86_400;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, expiresAt: _ttl, ...rest } = item;
  return rest as T;
}

export function dynamoSessionStore(tableName: string): SessionStore {
  return {
    async create(session, firstRefresh) {
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...sessionKey(session.userId, session.sessionId),
                  ...session,
                  expiresAt: ttl(session.absoluteExpiresAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...refreshKey(firstRefresh.tokenHash),
                  ...firstRefresh,
                  expiresAt: ttl(session.absoluteExpiresAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    },

    async get(userId, sessionId) {
      const out = await dynamo.send(
        new GetCommand({ TableName: tableName, Key: sessionKey(userId, sessionId), ConsistentRead: true }),
      );
      return strip<Session>(out.Item);
    },

    async list(userId) {
      const { pk, skPrefix } = sessionsOfUser(userId);
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        }),
      );
      return (out.Items ?? []).map((item) => strip<Session>(item) as Session);
    },

    async revoke(userId, sessionId, reason, at) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: sessionKey(userId, sessionId),
            // revokedAt is stored as null while live: "not revoked" is null or absent.
            UpdateExpression: 'SET revokedAt = :at, revokedReason = :reason',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt = :null)',
            ExpressionAttributeValues: { ':at': at, ':reason': reason, ':null': null },
          }),
        );
        return true;
      } catch (error) {
        // Already revoked (the first reason stays) or no such session.
        if (error instanceof ConditionalCheckFailedException)
          return (await this.get(userId, sessionId)) !== undefined;
        throw error;
      }
    },

    async getRefresh(tokenHash) {
      const out = await dynamo.send(
        new GetCommand({ TableName: tableName, Key: refreshKey(tokenHash), ConsistentRead: true }),
      );
      const record = strip<RefreshRecord & { tokenHash?: string }>(out.Item);
      return record ? { ...record, tokenHash } : undefined;
    },

    async rotate(old, next, at) {
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              // A token rotated moments ago (reuse grace) stays as it is; an active one is rotated,
              // and the condition makes two concurrent rotations of it impossible.
              old.status === 'active'
                ? {
                    Update: {
                      TableName: tableName,
                      Key: refreshKey(old.tokenHash),
                      UpdateExpression: 'SET #status = :rotated, rotatedAt = :now',
                      ConditionExpression: '#status = :active',
                      ExpressionAttributeNames: { '#status': 'status' },
                      ExpressionAttributeValues: {
                        ':rotated': 'rotated',
                        ':active': 'active',
                        ':now': next.issuedAt,
                      },
                    },
                  }
                : {
                    ConditionCheck: {
                      TableName: tableName,
                      Key: refreshKey(old.tokenHash),
                      ConditionExpression: '#status = :rotated',
                      ExpressionAttributeNames: { '#status': 'status' },
                      ExpressionAttributeValues: { ':rotated': 'rotated' },
                    },
                  },
              {
                Put: {
                  TableName: tableName,
                  Item: { ...refreshKey(next.tokenHash), ...next, expiresAt: ttl(next.idleExpiresAt) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: sessionKey(old.userId, old.sessionId),
                  UpdateExpression: 'SET lastUsedAt = :at',
                  ConditionExpression:
                    'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt = :null)',
                  ExpressionAttributeValues: { ':at': at, ':null': null },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) throw new RefreshRaceError();
        throw error;
      }
    },
  };
}
