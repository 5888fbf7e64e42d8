import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../clients/dynamodb.ts';
import type { TableKey } from './table-keys.ts';

const BATCH = 25;
const MAX_ROUNDS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deletes items by key in batches of 25, retrying what DynamoDB leaves unprocessed (with jittered
 * backoff). Deleting an item that is not there succeeds, so a re-run is harmless. Returns how many
 * keys were asked for.
 */
export async function deleteItems(tableName: string, keys: readonly TableKey[]): Promise<number> {
  for (let start = 0; start < keys.length; start += BATCH) {
    let requests: Array<{ DeleteRequest: { Key: Record<string, unknown> } }> = keys
      .slice(start, start + BATCH)
      .map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`${requests.length} deletes left unprocessed by ${tableName}`);
      if (round > 0) await sleep(Math.random() * 50 * 2 ** round);
      const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return keys.length;
}
