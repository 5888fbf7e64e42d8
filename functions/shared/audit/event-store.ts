import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../clients/dynamodb.ts';

/** One fact in the append-only audit trail. */
export interface AuditEvent {
  /** Aggregate the event belongs to, e.g. `user:<id>`, `apikey:<id>`. */
  readonly subject: string;
  readonly version: number;
  readonly type: string;
  /** Who caused it: a user id, `system`, or `anonymous`. */
  readonly actor: string;
  readonly at: string;
  readonly correlationId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly id: string;
}

export interface NewAuditEvent {
  readonly subject: string;
  readonly type: string;
  readonly actor: string;
  readonly correlationId?: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface EventStore {
  append(event: NewAuditEvent): Promise<AuditEvent>;
  list(subject: string, options?: { limit?: number; before?: number }): Promise<AuditEvent[]>;
}

const MAX_ATTEMPTS = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (version: number) => String(version).padStart(12, '0');

/**
 * The event store on DynamoDB: `pk` = subject, `sk` = zero-padded version. Appends are
 * conditional puts (`attribute_not_exists`), so two writers can never take the same version;
 * the loser re-reads the head and retries. There is deliberately no update or delete path.
 */
export function dynamoEventStore(tableName: string, now: () => Date = () => new Date()): EventStore {
  async function head(subject: string): Promise<number> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': subject },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'version',
      }),
    );
    return Number(out.Items?.[0]?.version ?? 0);
  }

  return {
    async append(input) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // Each round of simultaneous writers has one winner: back off with full jitter.
        if (attempt > 0) await sleep(Math.random() * 10 * 2 ** Math.min(attempt, 5));
        const event: AuditEvent = {
          subject: input.subject,
          version: (await head(input.subject)) + 1,
          type: input.type,
          actor: input.actor,
          at: now().toISOString(),
          correlationId: input.correlationId ?? null,
          data: input.data ?? {},
          id: randomUUID(),
        };
        try {
          await dynamo.send(
            new PutCommand({
              TableName: tableName,
              Item: { pk: event.subject, sk: pad(event.version), ...event },
              ConditionExpression: 'attribute_not_exists(sk)',
            }),
          );
          return event;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      throw new Error(`could not append to ${input.subject}: too much contention`);
    },

    async list(subject, options = {}) {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: options.before !== undefined ? 'pk = :pk AND sk < :before' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': subject,
            ...(options.before !== undefined ? { ':before': pad(options.before) } : {}),
          },
          ScanIndexForward: false,
          Limit: options.limit ?? 50,
        }),
      );
      return (out.Items ?? []).map(({ pk: _pk, sk: _sk, ...rest }) => rest as AuditEvent);
    },
  };
}
