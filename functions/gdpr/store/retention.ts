import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { deleteItems } from '#shared/store/delete-items.ts';
import type { TableKey } from '#shared/store/table-keys.ts';

/** What the retention job removes, by class (`functions/gdpr/config.ts` RetentionDays). */
export type SweptClass = 'sessions' | 'exports' | 'receipts' | 'auditPersonal';

export interface RetentionCutoffs {
  /** Epoch seconds now: items whose TTL (`expiresAt`) is before it are past their life. */
  readonly nowSeconds: number;
  /** Sessions unused since before this (ISO) are past the sessions class. */
  readonly sessionsUnusedBefore: string;
  /** Finished erasures (their receipts) before this (ISO) are past the receipts class. */
  readonly receiptsBefore: string;
}

export interface RetentionStore {
  /** Deletes every item past its class; counts per class. Idempotent: a second sweep finds nothing. */
  sweep(cutoffs: RetentionCutoffs): Promise<Record<SweptClass, number>>;
}

async function scanAll(
  input: ConstructorParameters<typeof ScanCommand>[0],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

const keyOf = (item: Record<string, unknown>): TableKey => ({ pk: String(item.pk), sk: String(item.sk) });

/**
 * The sweep DynamoDB TTL does not guarantee (TTL deletes within days, not at the second) plus what
 * TTL cannot express (a session unused for its class, a receipt past its years). One filtered scan
 * per table a day: fine for tables of this size; the classes are the data map's.
 */
export function dynamoRetentionStore(tables: {
  appTable: string;
  personalKeysTable: string;
}): RetentionStore {
  return {
    async sweep(cutoffs) {
      const app = await scanAll({
        TableName: tables.appTable,
        ProjectionExpression: 'pk, sk',
        FilterExpression: [
          '(begins_with(sk, :session) AND (expiresAt < :now OR lastUsedAt < :unused))',
          '(begins_with(pk, :refresh) AND expiresAt < :now)',
          '(begins_with(pk, :export) AND expiresAt < :now)',
          '(begins_with(pk, :erasure) AND #status IN (:completed, :cancelled) AND finishedAt < :receipts)',
        ].join(' OR '),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':session': 'SESSION#',
          ':refresh': 'REFRESH#',
          ':export': 'EXPORT#',
          ':erasure': 'ERASURE#',
          ':now': cutoffs.nowSeconds,
          ':unused': cutoffs.sessionsUnusedBefore,
          ':completed': 'completed',
          ':cancelled': 'cancelled',
          ':receipts': cutoffs.receiptsBefore,
        },
      });
      const keys = await scanAll({
        TableName: tables.personalKeysTable,
        ProjectionExpression: 'pk, sk',
        FilterExpression: 'expiresAt < :now',
        ExpressionAttributeValues: { ':now': cutoffs.nowSeconds },
      });
      const counts: Record<SweptClass, number> = { sessions: 0, exports: 0, receipts: 0, auditPersonal: 0 };
      for (const item of app) {
        const { pk, sk } = keyOf(item);
        if (sk.startsWith('SESSION#') || pk.startsWith('REFRESH#')) counts.sessions++;
        else if (pk.startsWith('EXPORT#')) counts.exports++;
        else counts.receipts++;
      }
      counts.auditPersonal = keys.length;
      await deleteItems(tables.appTable, app.map(keyOf));
      await deleteItems(tables.personalKeysTable, keys.map(keyOf));
      return counts;
    },
  };
}
