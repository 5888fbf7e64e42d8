import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { queryAll } from '#shared/store/query-all.ts';
import {
  erasureKey,
  erasureMarkerKey,
  exportByOwnerKey,
  exportKey,
  exportsOfOwner,
  OPEN_ERASURES_PK,
  openErasureIndexKey,
} from '#shared/store/table-keys.ts';
import type {
  ErasureReceipt,
  ErasureRecord,
  ExportRecord,
  ExportStatus,
  StoreProgress,
} from '../domain/requests.ts';

/** The person already has an open erasure: its id. */
export class ErasureOpenError extends Error {
  constructor(readonly erasureId: string) {
    super('an erasure is already open');
    this.name = 'ErasureOpenError';
  }
}

/** The erasure is not in a state that allows the change (e.g. cancel after the point of no return). */
export class ErasureStateError extends Error {
  constructor() {
    super('erasure state does not allow this change');
    this.name = 'ErasureStateError';
  }
}

export interface RequestStore {
  createErasure(record: ErasureRecord): Promise<void>;
  getErasure(erasureId: string): Promise<ErasureRecord | undefined>;
  /** pending → cancelled, dropping the open marker: `ErasureStateError` unless pending. */
  cancelErasure(erasureId: string, userId: string, requestedAt: string, at: string): Promise<void>;
  /** pending|running|failed → running with the email captured: `ErasureStateError` when completed or cancelled. */
  beginErasure(erasureId: string, email: string | null, at: string): Promise<ErasureRecord>;
  recordStore(erasureId: string, progress: StoreProgress): Promise<void>;
  failErasure(erasureId: string, store: string, at: string): Promise<void>;
  /** running → completed with the receipt; drops the user id, the email and the open marker. */
  completeErasure(record: ErasureRecord, receipt: ErasureReceipt): Promise<void>;
  /** Open erasures requested before `before` (ISO), oldest first. */
  openErasuresBefore(before: string): Promise<Array<{ erasureId: string; requestedAt: string }>>;

  createExport(record: ExportRecord): Promise<void>;
  getExport(exportId: string): Promise<ExportRecord | undefined>;
  /** queued → running; false when it is not queued (a redelivered message of a finished export). */
  startExport(exportId: string): Promise<boolean>;
  finishExport(
    exportId: string,
    outcome: {
      status: Extract<ExportStatus, 'ready' | 'failed'>;
      at: string;
      document?: object;
      error?: string;
    },
  ): Promise<void>;
  exportsOf(userId: string): Promise<ExportRecord[]>;
  deleteExport(exportId: string): Promise<void>;
}

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...rest } = item;
  return rest as T;
}

/**
 * The table's TTL attribute is `expiresAt` in epoch seconds; an export keeps its ISO expiry in
 * `documentExpiresAt` and reads back as `ExportRecord.expiresAt`.
 */
function exportOf(item: Record<string, unknown> | undefined): ExportRecord | undefined {
  const rest = strip<Record<string, unknown>>(item);
  if (!rest) return undefined;
  const { documentExpiresAt, ...record } = rest;
  return { ...record, expiresAt: documentExpiresAt } as ExportRecord;
}

const conditionFailed = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;

/** Runs a conditional write; a failed condition becomes ErasureStateError. */
async function guarded(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (conditionFailed(error)) throw new ErasureStateError();
    throw error;
  }
}

export function dynamoRequestStore(tableName: string): RequestStore {
  const table = { TableName: tableName };
  return {
    async createErasure(record) {
      if (record.userId === null) throw new Error('a new erasure names its person');
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  ...table,
                  Item: { ...erasureKey(record.erasureId), ...record },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  ...table,
                  Item: { ...erasureMarkerKey(record.userId), erasureId: record.erasureId },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  ...table,
                  Item: {
                    ...openErasureIndexKey(record.requestedAt, record.erasureId),
                    erasureId: record.erasureId,
                  },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        const marker = await dynamo.send(new GetCommand({ ...table, Key: erasureMarkerKey(record.userId) }));
        const open = marker.Item?.erasureId;
        if (typeof open === 'string') throw new ErasureOpenError(open);
        throw error;
      }
    },

    async getErasure(erasureId) {
      const out = await dynamo.send(
        new GetCommand({ ...table, Key: erasureKey(erasureId), ConsistentRead: true }),
      );
      return strip<ErasureRecord>(out.Item);
    },

    async cancelErasure(erasureId, userId, requestedAt, at) {
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  ...table,
                  Key: erasureKey(erasureId),
                  UpdateExpression: 'SET #status = :cancelled, finishedAt = :at',
                  ConditionExpression: '#status = :pending',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':cancelled': 'cancelled', ':pending': 'pending', ':at': at },
                },
              },
              { Delete: { ...table, Key: erasureMarkerKey(userId) } },
              { Delete: { ...table, Key: openErasureIndexKey(requestedAt, erasureId) } },
            ],
          }),
        );
      } catch (error) {
        if (conditionFailed(error)) throw new ErasureStateError();
        throw error;
      }
    },

    async beginErasure(erasureId, email, at) {
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            ...table,
            Key: erasureKey(erasureId),
            // A re-run keeps the first start time and the email captured then (the account may be gone).
            UpdateExpression:
              'SET #status = :running, startedAt = if_not_exists(startedAt, :at), email = if_not_exists(email, :email), failedStore = :null',
            ConditionExpression: '#status IN (:pending, :running, :failed)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':running': 'running',
              ':pending': 'pending',
              ':failed': 'failed',
              ':at': at,
              ':email': email,
              ':null': null,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return strip<ErasureRecord>(out.Attributes) as ErasureRecord;
      } catch (error) {
        if (conditionFailed(error)) throw new ErasureStateError();
        throw error;
      }
    },

    async recordStore(erasureId, progress) {
      await dynamo.send(
        new UpdateCommand({
          ...table,
          Key: erasureKey(erasureId),
          UpdateExpression: 'SET stores.#store = :progress',
          ExpressionAttributeNames: { '#store': progress.store },
          ExpressionAttributeValues: { ':progress': progress },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    },

    async failErasure(erasureId, store, at) {
      await guarded(() =>
        dynamo.send(
          new UpdateCommand({
            ...table,
            Key: erasureKey(erasureId),
            UpdateExpression: 'SET #status = :failed, failedStore = :store, finishedAt = :at',
            ConditionExpression: '#status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':failed': 'failed',
              ':running': 'running',
              ':store': store,
              ':at': at,
            },
          }),
        ),
      );
    },

    async completeErasure(record, receipt) {
      if (record.userId === null) return;
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  ...table,
                  Key: erasureKey(record.erasureId),
                  UpdateExpression:
                    'SET #status = :completed, receipt = :receipt, finishedAt = :at, userId = :null, email = :null',
                  ConditionExpression: '#status = :running',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':completed': 'completed',
                    ':running': 'running',
                    ':receipt': receipt,
                    ':at': receipt.completedAt,
                    ':null': null,
                  },
                },
              },
              { Delete: { ...table, Key: erasureMarkerKey(record.userId) } },
              { Delete: { ...table, Key: openErasureIndexKey(record.requestedAt, record.erasureId) } },
            ],
          }),
        );
      } catch (error) {
        if (conditionFailed(error)) throw new ErasureStateError();
        throw error;
      }
    },

    async openErasuresBefore(before) {
      const items = await queryAll({
        ...table,
        KeyConditionExpression: 'pk = :pk AND sk < :before',
        ExpressionAttributeValues: { ':pk': OPEN_ERASURES_PK, ':before': before },
      });
      return items.map((item) => ({
        erasureId: String(item.erasureId),
        requestedAt: String(item.sk).split('#')[0] ?? '',
      }));
    },

    async createExport(record) {
      await dynamo.send(
        new PutCommand({
          ...table,
          Item: {
            ...exportKey(record.exportId),
            ...exportByOwnerKey(record.userId, record.exportId),
            ...record,
            documentExpiresAt: record.expiresAt,
            expiresAt: epochSeconds(record.expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async getExport(exportId) {
      const out = await dynamo.send(
        new GetCommand({ ...table, Key: exportKey(exportId), ConsistentRead: true }),
      );
      return exportOf(out.Item);
    },

    async startExport(exportId) {
      try {
        await dynamo.send(
          new UpdateCommand({
            ...table,
            Key: exportKey(exportId),
            UpdateExpression: 'SET #status = :running',
            ConditionExpression: '#status IN (:queued, :running)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':queued': 'queued', ':running': 'running' },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async finishExport(exportId, outcome) {
      await dynamo.send(
        new UpdateCommand({
          ...table,
          Key: exportKey(exportId),
          UpdateExpression: 'SET #status = :status, readyAt = :at, #document = :document, #error = :error',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#document': 'document', '#error': 'error' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':at': outcome.at,
            ':document': outcome.document ?? null,
            ':error': outcome.error ?? null,
          },
        }),
      );
    },

    async exportsOf(userId) {
      const { gsi1pk, gsi1skPrefix } = exportsOfOwner(userId);
      const items = await queryAll({
        ...table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': gsi1pk, ':prefix': gsi1skPrefix },
      });
      return items.flatMap((item) => exportOf(item) ?? []);
    },

    async deleteExport(exportId) {
      await dynamo.send(new DeleteCommand({ ...table, Key: exportKey(exportId) }));
    },
  };
}
