import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { emailKey, userByOrgKey, userKey } from '#shared/store/table-keys.ts';

export interface TotpState {
  /** Sealed (AES-GCM) base32 secret of an activated second factor. */
  readonly secretSealed: string | null;
  /** Sealed secret of an enrolment not yet activated. */
  readonly pendingSealed: string | null;
  readonly enabled: boolean;
  /** Last accepted time step: a code is single-use within its window. */
  readonly lastStep: number | null;
  /** sha256 of the unused backup codes. */
  readonly backupHashes: readonly string[];
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly roles: readonly string[];
  readonly orgId: string;
  readonly createdAt: string;
  readonly totp: TotpState;
  /**
   * Set while a GDPR erasure of the account is in its grace period or running: the account is
   * intact but nobody can sign in or use its tokens and keys. Absent or null otherwise.
   */
  readonly erasureLock?: string | null;
}

export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
    this.name = 'EmailTakenError';
  }
}

export class StaleWriteError extends Error {
  constructor(what: string) {
    super(`${what} changed concurrently`);
    this.name = 'StaleWriteError';
  }
}

export const NO_TOTP: TotpState = {
  secretSealed: null,
  pendingSealed: null,
  enabled: false,
  lastStep: null,
  backupHashes: [],
};

export interface UserStore {
  create(user: User): Promise<void>;
  get(id: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  setRoles(id: string, roles: readonly string[]): Promise<User | undefined>;
  /** Replaces the TOTP state if it still equals `expected` (optimistic concurrency on lastStep/codes). */
  updateTotp(id: string, expected: TotpState, next: TotpState): Promise<void>;
  /** Replaces the password hash if it is still `expected`; StaleWriteError otherwise. */
  replacePasswordHash(id: string, expected: string, next: string): Promise<void>;
  /** Sets (an erasure id) or clears (null) the erasure lock; false when the user does not exist. */
  setErasureLock(id: string, erasureId: string | null): Promise<boolean>;
}

/** Read in place of a user when an email is unknown (`findByEmail`); no account has this id. */
const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
// Uniqueness is case-insensitive whoever calls the store.
const emailClaimKey = (email: string) => emailKey(normaliseEmail(email));

function fromItem(item: Record<string, unknown> | undefined): User | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...user } = item;
  return user as unknown as User;
}

export function dynamoUserStore(tableName: string): UserStore {
  return {
    async create(user) {
      try {
        // The email claim and the profile are written together or not at all.
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...emailClaimKey(user.email), userId: user.id },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...userKey(user.id),
                    ...user,
                    email: normaliseEmail(user.email),
                    ...userByOrgKey(user.orgId, user.id),
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
      } catch (error) {
        // Only the email claim's condition failing means "taken"; a conflict is a real error.
        if (
          error instanceof TransactionCanceledException &&
          error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
        ) {
          throw new EmailTakenError();
        }
        throw error;
      }
    },

    async get(id) {
      const out = await dynamo.send(
        new GetCommand({ TableName: tableName, Key: userKey(id), ConsistentRead: true }),
      );
      return fromItem(out.Item);
    },

    async findByEmail(email) {
      const out = await dynamo.send(new GetCommand({ TableName: tableName, Key: emailClaimKey(email) }));
      const userId = out.Item?.userId;
      if (typeof userId === 'string') return this.get(userId);
      // An unknown email costs the same two reads as a known one: login time (and read capacity)
      // must not tell which emails have an account. The nil UUID is never a user's id.
      await this.get(NO_USER_ID);
      return undefined;
    },

    async setRoles(id, roles) {
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: userKey(id),
            UpdateExpression: 'SET #roles = :roles',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#roles': 'roles' },
            ExpressionAttributeValues: { ':roles': roles },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return fromItem(out.Attributes);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },

    async updateTotp(id, expected, next) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: userKey(id),
            UpdateExpression: 'SET totp = :next',
            ConditionExpression: 'totp = :expected',
            ExpressionAttributeValues: { ':next': next, ':expected': expected },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleWriteError('second factor');
        throw error;
      }
    },

    async setErasureLock(id, erasureId) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: userKey(id),
            UpdateExpression: 'SET erasureLock = :lock',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':lock': erasureId },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async replacePasswordHash(id, expected, next) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: userKey(id),
            UpdateExpression: 'SET passwordHash = :next',
            ConditionExpression: 'passwordHash = :expected',
            ExpressionAttributeValues: { ':next': next, ':expected': expected },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) throw new StaleWriteError('password');
        throw error;
      }
    },
  };
}
