import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { open as openSealed, seal } from '#shared/crypto-box.ts';
import { truncateIp } from '#shared/privacy/anonymise.ts';
import { boundPersonalKeys, keyOpener, type PersonalKeys } from '#shared/privacy/personal-keys.ts';
import { queryAll } from '#shared/store/query-all.ts';
import {
  refreshTokenKey as refreshKey,
  refreshTokenByOwnerKey,
  refreshTokensOfOwner,
  sessionKey,
  sessionsOfUser,
} from '#shared/store/table-keys.ts';

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
  /** At rest sealed with the user's personal key (`list` opens it; null once that key is shredded). */
  readonly userAgent: string | null;
  /** Only the network is kept (`truncateIp`: IPv4 /24, IPv6 /48), never the client's address. */
  readonly ip: string | null;
}

/** A session as the authorizer and refresh read it: its state, without the sealed user agent. */
export type SessionState = Omit<Session, 'userAgent'>;

export interface RefreshRecord {
  readonly tokenHash: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly status: 'active' | 'rotated';
  readonly issuedAt: number;
  /** Epoch seconds: unused until then, the token dies (idle lifetime). */
  readonly idleExpiresAt: number;
  readonly rotatedAt: number | null;
  /**
   * Set when the token is rotated: the random nonce its successor was derived from (with the token
   * itself and a server key, so a grace replay can be answered with that same successor), and the
   * successor's hash. Null while active, and on tokens rotated before successors were derived.
   */
  readonly successorNonce: string | null;
  readonly successorHash: string | null;
  /** Epoch seconds of the one grace replay a rotated token gets; null until it is spent. */
  readonly graceUsedAt: number | null;
}

export class RefreshRaceError extends Error {
  constructor() {
    super('refresh token already rotated');
    this.name = 'RefreshRaceError';
  }
}

/** A grace replay that may not be answered: the grace is spent, the successor was used, or the session is gone. */
export class GraceRefusedError extends Error {
  constructor() {
    super('refresh grace refused');
    this.name = 'GraceRefusedError';
  }
}

export interface SessionStore {
  /** Stores the IP truncated and the user agent sealed (docs/decisions/0011-personal-data-at-rest.md). */
  create(session: Session, firstRefresh: RefreshRecord): Promise<void>;
  get(userId: string, sessionId: string): Promise<SessionState | undefined>;
  /** With the user agents opened: costs a key read, so only the session list calls it. */
  list(userId: string): Promise<Session[]>;
  /** Marks the session revoked; false when it does not exist. Idempotent. */
  revoke(userId: string, sessionId: string, reason: string, at: string): Promise<boolean>;
  getRefresh(tokenHash: string): Promise<RefreshRecord | undefined>;
  /**
   * Atomically: old token active → rotated (remembering `nonce` and the successor's hash), the
   * successor stored, the session touched. `RefreshRaceError` when the old token is no longer
   * active (a concurrent rotation won) or the session is revoked.
   */
  rotate(old: RefreshRecord, next: RefreshRecord, nonce: string, at: string): Promise<void>;
  /**
   * Atomically spends the one grace replay of a rotated token: only if it is unspent, its successor
   * is still unused (active) and the session is live. `GraceRefusedError` otherwise, so of any
   * number of concurrent replays at most one gets through.
   */
  useGrace(old: RefreshRecord, atSeconds: number, at: string): Promise<void>;
}

// Items linger one day past their end for forensics, then DynamoDB TTL sweeps them.
const ttl = (epochSeconds: number) => epochSeconds + 86_400;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, expiresAt: _ttl, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

// The sealed user agent is bound to its session item: copied onto another, it fails to open.
const userAgentAad = (userId: string, sessionId: string) => {
  const { pk, sk } = sessionKey(userId, sessionId);
  return `${pk}|${sk}|userAgent`;
};

/** A refresh token item: the record, its key, its GSI1 entry under its owner, its TTL. */
const refreshItem = (record: RefreshRecord, expiresAt: number) => ({
  ...refreshKey(record.tokenHash),
  ...refreshTokenByOwnerKey(record.userId, record.sessionId, record.tokenHash),
  ...record,
  expiresAt,
});

/**
 * `personalKeys` seals the user agent at rest; it is loaded on first use, so the authorizer,
 * which only reads session state, needs no binding to the keys.
 */
export function dynamoSessionStore(
  tableName: string,
  personalKeys: () => PersonalKeys = boundPersonalKeys,
): SessionStore {
  async function storedForm(session: Session) {
    const { userAgent, ip, ...state } = session;
    const base = { ...state, ip: ip === null ? null : truncateIp(ip) };
    if (userAgent === null) return { ...base, userAgent: null };
    const { ref, key } = await personalKeys().keyFor(session.userId, new Date(session.createdAt));
    return {
      ...base,
      userAgent: seal(userAgent, key, userAgentAad(session.userId, session.sessionId)),
      userAgentKeyRef: ref,
    };
  }

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
                  ...(await storedForm(session)),
                  expiresAt: ttl(session.absoluteExpiresAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: refreshItem(firstRefresh, ttl(session.absoluteExpiresAt)),
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
      const item = strip<SessionState & { userAgent?: unknown; userAgentKeyRef?: unknown }>(out.Item);
      if (!item) return undefined;
      const { userAgent: _sealed, userAgentKeyRef: _ref, ...state } = item;
      return state;
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
      const keyOf = keyOpener(personalKeys());
      return Promise.all(
        (out.Items ?? []).map(async (item) => {
          const { userAgent, userAgentKeyRef, ...state } = strip<Record<string, unknown>>(item) ?? {};
          const session = state as Omit<Session, 'userAgent'>;
          if (typeof userAgentKeyRef !== 'string' || typeof userAgent !== 'string') {
            // Sessions from before sealing hold a clear user agent (or none) until their TTL.
            return { ...session, userAgent: typeof userAgent === 'string' ? userAgent : null };
          }
          const key = await keyOf(userAgentKeyRef);
          const clear =
            key === undefined
              ? null
              : openSealed(userAgent, key, userAgentAad(session.userId, session.sessionId));
          return { ...session, userAgent: clear };
        }),
      );
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
      // Records written before successors were derived lack the last three attributes.
      return record
        ? {
            ...record,
            tokenHash,
            successorNonce: record.successorNonce ?? null,
            successorHash: record.successorHash ?? null,
            graceUsedAt: record.graceUsedAt ?? null,
          }
        : undefined;
    },

    async rotate(old, next, nonce, at) {
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              // Only an active token rotates, so of two concurrent rotations exactly one succeeds;
              // the loser re-reads and is answered as a grace replay.
              {
                Update: {
                  TableName: tableName,
                  Key: refreshKey(old.tokenHash),
                  UpdateExpression:
                    'SET #status = :rotated, rotatedAt = :now, successorNonce = :nonce, successorHash = :next',
                  ConditionExpression: '#status = :active',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':rotated': 'rotated',
                    ':active': 'active',
                    ':now': next.issuedAt,
                    ':nonce': nonce,
                    ':next': next.tokenHash,
                  },
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: refreshItem(next, ttl(next.idleExpiresAt)),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              touchLiveSession(tableName, old, at),
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) throw new RefreshRaceError();
        throw error;
      }
    },

    async useGrace(old, atSeconds, at) {
      if (old.successorHash === null) throw new GraceRefusedError();
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: refreshKey(old.tokenHash),
                  UpdateExpression: 'SET graceUsedAt = :now',
                  ConditionExpression:
                    '#status = :rotated AND successorHash = :next AND (attribute_not_exists(graceUsedAt) OR graceUsedAt = :null)',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':rotated': 'rotated',
                    ':next': old.successorHash,
                    ':now': atSeconds,
                    ':null': null,
                  },
                },
              },
              // A successor already used means someone else holds it: not a lost response.
              {
                ConditionCheck: {
                  TableName: tableName,
                  Key: refreshKey(old.successorHash),
                  ConditionExpression: '#status = :active',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':active': 'active' },
                },
              },
              touchLiveSession(tableName, old, at),
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException) throw new GraceRefusedError();
        throw error;
      }
    },
  };
}

/** Transaction item: the token's session is live (exists, not revoked); its last use is `at`. */
function touchLiveSession(tableName: string, token: RefreshRecord, at: string) {
  return {
    Update: {
      TableName: tableName,
      Key: sessionKey(token.userId, token.sessionId),
      UpdateExpression: 'SET lastUsedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt = :null)',
      ExpressionAttributeValues: { ':at': at, ':null': null },
    },
  };
}

/**
 * Every refresh token of a user that carries an owner index entry (GSI1 `OWNER#<userId>`,
 * `REFRESH#<sessionId>#<hash>`): what erasure revokes and deletes, and export lists. Tokens issued
 * before the index entry existed are not found here; they die with their session's TTL (30 days at
 * most) and are useless once the session is revoked or deleted.
 */
export async function refreshTokensOfUser(tableName: string, userId: string): Promise<RefreshRecord[]> {
  const { gsi1pk, gsi1skPrefix } = refreshTokensOfOwner(userId);
  const items = await queryAll({
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :owner AND begins_with(gsi1sk, :prefix)',
    ExpressionAttributeValues: { ':owner': gsi1pk, ':prefix': gsi1skPrefix },
  });
  return items.map((item) => {
    const record = strip<RefreshRecord>(item) as RefreshRecord;
    return {
      ...record,
      successorNonce: record.successorNonce ?? null,
      successorHash: record.successorHash ?? null,
      graceUsedAt: record.graceUsedAt ?? null,
    };
  });
}
