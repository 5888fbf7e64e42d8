import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { GdprSettings } from '#functions/gdpr/config.ts';
import { type ErasureRecord, requestHash } from '#functions/gdpr/domain/requests.ts';
import { dynamoRequestStore } from '#functions/gdpr/store/requests.ts';
import { dynamoRetentionStore } from '#functions/gdpr/store/retention.ts';
import { applyRetention, type RetentionDeps } from '#functions/gdpr/use-cases/retention.ts';

// The retention sweep on two tables of its own in ministack (twins of the app table and of the
// personal-keys table), seeded with items of every class just before and just after their cutoff,
// swept at a fixed `now`: exactly the items past their class go, nothing else. No TTL is enabled on
// the twins, so only the sweep deletes.

if (process.env.AWS_ENDPOINT_URL === undefined) throw new Error('AWS_ENDPOINT_URL must point at ministack');

const raw = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(raw);
const run = randomUUID().slice(0, 8);
const APP = `nimbus-it-retention-app-${run}`;
const KEYS = `nimbus-it-retention-keys-${run}`;

const NOW = new Date('2026-03-01T08:00:00.000Z');
const DAY = 86_400_000;
const NOW_S = Math.floor(NOW.getTime() / 1000);
const SETTINGS: GdprSettings = {
  erasureGraceSeconds: 86_400,
  erasureDeadlineDays: 25,
  retentionDays: { sessions: 30, exports: 7, receipts: 365 },
};
const iso = (ms: number) => new Date(ms).toISOString();
const SESSIONS_CUTOFF = NOW.getTime() - 30 * DAY;
const RECEIPTS_CUTOFF = NOW.getTime() - 365 * DAY;
const DEADLINE = NOW.getTime() - 25 * DAY;

type Item = Record<string, unknown> & { pk: string; sk: string };
const user = `u-${run}`;
const owner = `OWNER#${user}`;

/** What the sweep must delete, by class. */
const EXPIRED: Record<'sessions' | 'exports' | 'receipts' | 'auditPersonal', Item[]> = {
  sessions: [
    // Past its TTL a second ago, though used recently.
    { pk: `USER#${user}`, sk: 'SESSION#expired', expiresAt: NOW_S - 1, lastUsedAt: iso(NOW.getTime() - DAY) },
    // Alive by its TTL, but unused for just over the sessions class.
    {
      pk: `USER#${user}`,
      sk: 'SESSION#unused',
      expiresAt: NOW_S + 30 * 86_400,
      lastUsedAt: iso(SESSIONS_CUTOFF - 1),
    },
    {
      pk: 'REFRESH#expired',
      sk: 'REFRESH',
      gsi1pk: owner,
      gsi1sk: 'REFRESH#s1#expired',
      expiresAt: NOW_S - 1,
    },
  ],
  exports: [
    { pk: 'EXPORT#expired', sk: 'EXPORT', gsi1pk: owner, gsi1sk: 'EXPORT#expired', expiresAt: NOW_S - 1 },
  ],
  receipts: [
    {
      pk: 'ERASURE#completed-old',
      sk: 'ERASURE',
      status: 'completed',
      userId: null,
      finishedAt: iso(RECEIPTS_CUTOFF - 1),
    },
    {
      pk: 'ERASURE#cancelled-old',
      sk: 'ERASURE',
      status: 'cancelled',
      userId: user,
      finishedAt: iso(RECEIPTS_CUTOFF - 1),
    },
  ],
  auditPersonal: [{ pk: 'PERSON#p1', sk: '2025-01', kid: 'k1', expiresAt: NOW_S - 1 }],
};

/** What must stay: the same classes on the other side of their cutoff, and unrelated items. */
const KEPT_APP: Item[] = [
  { pk: `USER#${user}`, sk: 'SESSION#expires-now', expiresAt: NOW_S, lastUsedAt: iso(NOW.getTime() - DAY) },
  {
    pk: `USER#${user}`,
    sk: 'SESSION#used-in-class',
    expiresAt: NOW_S + 86_400,
    lastUsedAt: iso(SESSIONS_CUTOFF + 1),
  },
  { pk: 'REFRESH#alive', sk: 'REFRESH', gsi1pk: owner, gsi1sk: 'REFRESH#s2#alive', expiresAt: NOW_S + 1 },
  { pk: 'EXPORT#alive', sk: 'EXPORT', gsi1pk: owner, gsi1sk: 'EXPORT#alive', expiresAt: NOW_S + 1 },
  {
    pk: 'ERASURE#completed-recent',
    sk: 'ERASURE',
    status: 'completed',
    userId: null,
    finishedAt: iso(RECEIPTS_CUTOFF + 1),
  },
  // Failed erasures are kept for on-call, however old.
  {
    pk: 'ERASURE#failed-old',
    sk: 'ERASURE',
    status: 'failed',
    userId: user,
    finishedAt: iso(RECEIPTS_CUTOFF - DAY),
  },
  // Unrelated: a profile used long ago, an API key secret past an `expiresAt` of its own.
  { pk: `USER#${user}`, sk: 'PROFILE', gsi1pk: 'ORG#o1', gsi1sk: `USER#${user}`, lastUsedAt: iso(0) },
  { pk: 'APIKEY#h1', sk: 'APIKEY', gsi1pk: owner, gsi1sk: 'APIKEY#k1', expiresAt: NOW_S - 86_400 },
];
const KEPT_KEYS: Item[] = [
  { pk: 'PERSON#p1', sk: '2025-02', kid: 'k2', expiresAt: NOW_S },
  { pk: 'PERSON#p2', sk: '2026-03', kid: 'k3', expiresAt: NOW_S + 1 },
];

/** Open erasures written through the request store (record, person marker, deadline index). */
const requests = dynamoRequestStore(APP);
const openErasure = (erasureId: string, requestedAtMs: number): ErasureRecord => {
  const requestedAt = iso(requestedAtMs);
  const userId = `${user}-${erasureId}`;
  return {
    erasureId,
    status: 'pending',
    userId,
    email: null,
    reason: 'subject-request',
    requestedBy: 'subject',
    requestedAt,
    notBefore: iso(requestedAtMs + DAY),
    requestHash: requestHash(erasureId, userId, 'subject-request', requestedAt),
    startedAt: null,
    finishedAt: null,
    stores: {},
    failedStore: null,
    receipt: null,
  };
};
/** Requested just before the deadline and running since (no finishedAt): overdue, and kept. */
const OVERDUE = openErasure(`overdue-${run}`, DEADLINE - 1);
/** Requested just after the deadline, still in its grace period: kept, not overdue. */
const RECENT = openErasure(`recent-${run}`, DEADLINE + 1);

async function createTable(input: CreateTableCommandInput & { TableName: string }): Promise<void> {
  await raw.send(new CreateTableCommand(input));
  for (let attempt = 0; attempt < 50; attempt++) {
    const out = await raw.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${input.TableName} did not become active`);
}

const S = 'S' as const;
const keySchema = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

async function put(table: string, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

async function keysOf(table: string): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of out.Items ?? []) keys.push(`${String(item.pk)}|${String(item.sk)}`);
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return keys.sort();
}

const keysOfItems = (items: readonly Item[]) => items.map((i) => `${i.pk}|${i.sk}`);

const deps: RetentionDeps = {
  retention: dynamoRetentionStore({ appTable: APP, personalKeysTable: KEYS }),
  requests,
  settings: SETTINGS,
};

describe('retention sweep on DynamoDB (temporary tables, fixed clock)', () => {
  before(async () => {
    await Promise.all([
      createTable({
        TableName: APP,
        ...keySchema,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: S },
          { AttributeName: 'sk', AttributeType: S },
          { AttributeName: 'gsi1pk', AttributeType: S },
          { AttributeName: 'gsi1sk', AttributeType: S },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
      createTable({
        TableName: KEYS,
        ...keySchema,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: S },
          { AttributeName: 'sk', AttributeType: S },
        ],
      }),
    ]);
    await put(APP, [...EXPIRED.sessions, ...EXPIRED.exports, ...EXPIRED.receipts, ...KEPT_APP]);
    await put(KEYS, [...EXPIRED.auditPersonal, ...KEPT_KEYS]);
    await requests.createErasure(OVERDUE);
    await requests.beginErasure(OVERDUE.erasureId, null, iso(DEADLINE + DAY));
    await requests.createErasure(RECENT);
  });

  after(async () => {
    await Promise.allSettled([
      raw.send(new DeleteTableCommand({ TableName: APP })),
      raw.send(new DeleteTableCommand({ TableName: KEYS })),
    ]);
  });

  let keptApp: string[];
  it('deletes exactly the items past their class, counts them per class, and names the overdue erasure', async () => {
    const before = await keysOf(APP);
    const opened = before.filter(
      (k) => !keysOfItems([...KEPT_APP, ...Object.values(EXPIRED).flat()]).includes(k),
    );
    // Each open erasure: its record, its person marker, its deadline index row.
    assert.equal(opened.length, 6);
    keptApp = [...keysOfItems(KEPT_APP), ...opened].sort();

    const outcome = await applyRetention(deps, NOW);

    assert.deepEqual(outcome.deleted, { sessions: 3, exports: 1, receipts: 2, auditPersonal: 1 });
    assert.deepEqual(outcome.overdueErasures, [OVERDUE.erasureId]);
    assert.deepEqual(await keysOf(APP), keptApp);
    assert.deepEqual(await keysOf(KEYS), keysOfItems(KEPT_KEYS).sort());
  });

  it('deletes nothing more on a second run at the same time', async () => {
    const outcome = await applyRetention(deps, NOW);

    assert.deepEqual(outcome.deleted, { sessions: 0, exports: 0, receipts: 0, auditPersonal: 0 });
    assert.deepEqual(outcome.overdueErasures, [OVERDUE.erasureId]);
    assert.deepEqual(await keysOf(APP), keptApp);
    assert.deepEqual(await keysOf(KEYS), keysOfItems(KEPT_KEYS).sort());
  });
});
