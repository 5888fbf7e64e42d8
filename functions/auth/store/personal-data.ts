import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PersonalDataStore, StoreReport } from '#functions/gdpr/domain/personal-data.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { deleteItems } from '#shared/store/delete-items.ts';
import { queryAll } from '#shared/store/query-all.ts';
import { emailKey, refreshTokensOfOwner, type TableKey, userKey } from '#shared/store/table-keys.ts';

/**
 * Identity's stores in the GDPR data map (`functions/gdpr/domain/data-map.ts`): the account
 * (profile and email claim), sessions with their refresh tokens, and attempt budgets. Erasing
 * deletes; the authorizer refuses a deleted user's tokens at its next verdict (the erasure purges
 * the cached verdicts too).
 */

const report = (store: string, items: number, erased: readonly string[]): StoreReport => ({
  store,
  items,
  fields: { erased: items > 0 ? erased : [], anonymised: [], shredded: [] },
});

async function partitionItems(tableName: string, userId: string, skPrefix: string) {
  const { pk } = userKey(userId);
  return queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
  });
}

/** A person's refresh tokens, on GSI1 under their owner key (`REFRESH#` sort keys). */
async function refreshItems(tableName: string, userId: string) {
  return queryAll({
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :owner AND begins_with(gsi1sk, :prefix)',
    ExpressionAttributeValues: {
      ':owner': refreshTokensOfOwner(userId).gsi1pk,
      ':prefix': refreshTokensOfOwner(userId).gsi1skPrefix,
    },
  });
}

const keyOf = (item: Record<string, unknown>): TableKey => ({ pk: String(item.pk), sk: String(item.sk) });

export function accountPersonalData(tableName: string): PersonalDataStore {
  const profile = async (userId: string) =>
    (await dynamo.send(new GetCommand({ TableName: tableName, Key: userKey(userId), ConsistentRead: true })))
      .Item;
  const claimExists = async (email: string | null) =>
    email !== null &&
    (await dynamo.send(new GetCommand({ TableName: tableName, Key: emailKey(email), ConsistentRead: true })))
      .Item !== undefined;
  return {
    id: 'account',
    async export(subject) {
      const item = await profile(subject.userId);
      if (!item) return null;
      const totp = item.totp as { enabled?: boolean } | undefined;
      return {
        id: item.id,
        email: item.email,
        name: item.name,
        roles: item.roles,
        orgId: item.orgId,
        createdAt: item.createdAt,
        secondFactor: { enabled: totp?.enabled === true },
      };
    },
    async erase(subject) {
      const item = await profile(subject.userId);
      const email = typeof item?.email === 'string' ? item.email : subject.email;
      const keys: TableKey[] = [
        ...(item ? [userKey(subject.userId)] : []),
        ...(email !== null && (await claimExists(email)) ? [emailKey(email)] : []),
      ];
      await deleteItems(tableName, keys);
      return report('account', keys.length, [
        'email',
        'name',
        'passwordHash',
        'totp.secret',
        'totp.backupCodes',
        'roles',
        'orgId',
      ]);
    },
    async verify(subject) {
      return ((await profile(subject.userId)) ? 1 : 0) + ((await claimExists(subject.email)) ? 1 : 0);
    },
  };
}

export function sessionsPersonalData(tableName: string): PersonalDataStore {
  const all = async (userId: string) => [
    ...(await partitionItems(tableName, userId, 'SESSION#')),
    ...(await refreshItems(tableName, userId)),
  ];
  return {
    id: 'sessions',
    async export(subject) {
      const sessions = await partitionItems(tableName, subject.userId, 'SESSION#');
      return sessions.map((s) => ({
        sessionId: s.sessionId,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        revokedAt: s.revokedAt ?? null,
        ip: s.ip ?? null,
        userAgent: s.userAgent ?? null,
      }));
    },
    async erase(subject) {
      const items = await all(subject.userId);
      await deleteItems(tableName, items.map(keyOf));
      return report('sessions', items.length, ['ip', 'userAgent', 'sessionId', 'refreshTokens']);
    },
    async verify(subject) {
      return (await all(subject.userId)).length;
    },
  };
}

export function attemptBudgetsPersonalData(tableName: string): PersonalDataStore {
  return {
    id: 'attempt-budgets',
    async export(subject) {
      const items = await partitionItems(tableName, subject.userId, 'BUDGET#');
      return items.map((b) => ({ budget: String(b.sk).slice('BUDGET#'.length), failures: b.failures ?? 0 }));
    },
    async erase(subject) {
      const items = await partitionItems(tableName, subject.userId, 'BUDGET#');
      await deleteItems(tableName, items.map(keyOf));
      return report('attempt-budgets', items.length, ['failures', 'lockedUntil']);
    },
    async verify(subject) {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': userKey(subject.userId).pk, ':prefix': 'BUDGET#' },
          Select: 'COUNT',
        }),
      );
      return out.Count ?? 0;
    },
  };
}
