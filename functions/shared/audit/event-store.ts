import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../clients/dynamodb.ts';
import { open as openSealed, seal } from '../crypto-box.ts';
import {
  boundPersonalKeys,
  keyOpener,
  type PersonalKey,
  type PersonalKeys,
} from '../privacy/personal-keys.ts';
import { ERASED_ACTOR, ERASED_DATA, isPersonActor, personalPartition, personOfSubject } from './persons.ts';

/** One fact in the append-only audit trail. */
export interface AuditEvent {
  /** Aggregate the event belongs to, e.g. `user:<id>`, `apikey:<id>`. */
  readonly subject: string;
  readonly version: number;
  readonly type: string;
  /** Who caused it: a user id, `system`, `anonymous`, `job:<name>`; `erased` once the actor's key is shredded. */
  readonly actor: string;
  readonly at: string;
  readonly correlationId: string | null;
  /** What happened; `ERASED_DATA` once the key of the person it is about is shredded. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly id: string;
}

export interface NewAuditEvent {
  readonly subject: string;
  readonly type: string;
  readonly actor: string;
  readonly correlationId?: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
  /**
   * The user the event is about when neither its subject (`user:<id>`) nor its actor says so (a
   * job warning a key's owner): `data` is sealed with that person's key.
   */
  readonly about?: string | null;
}

export interface EventStore {
  append(event: NewAuditEvent): Promise<AuditEvent>;
  list(subject: string, options?: { limit?: number; before?: number }): Promise<AuditEvent[]>;
}

const MAX_ATTEMPTS = 12;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pad = (version: number) => String(version).padStart(12, '0');
// Binds a sealed field to its event and its name: copied onto another event, it fails to open.
const fieldAad = (pk: string, sk: string, field: 'actor' | 'data') => `${pk}|${sk}|${field}`;

/**
 * The event store on DynamoDB: `pk` = subject, `sk` = zero-padded version. Appends are
 * conditional puts (`attribute_not_exists`), so two writers can never take the same version;
 * the loser re-reads the head and retries. There is deliberately no update or delete path.
 *
 * Personal data never sits in it in clear (docs/decisions/0011-personal-data-at-rest.md): a
 * subject naming a person is stored under the person's pseudonym (`user:~<pseudonym>`, listed by
 * `user:<id>` all the same); `data` is sealed with the key of the person the event is about, and
 * an actor who is a user with their own key (`dataKeyRef`, `actorKeyRef` name the keys, by
 * pseudonym). When the keys are destroyed (erasure) or expire (retention), the events stay in
 * place, ordered and countable, and those fields read as `erased`.
 */
export function dynamoEventStore(
  tableName: string,
  now: () => Date = () => new Date(),
  personalKeys: () => PersonalKeys = boundPersonalKeys,
): EventStore {
  async function head(pk: string): Promise<number> {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'version',
      }),
    );
    return Number(out.Items?.[0]?.version ?? 0);
  }

  /** The partition of a subject: a person's is named by their pseudonym. */
  async function partitionOf(subject: string): Promise<string> {
    const person = personOfSubject(subject);
    return person ? personalPartition(person.kind, await personalKeys().pseudonymOf(person.userId)) : subject;
  }

  /** The keys an event is sealed with, fetched once per append whatever the retries. */
  async function sealingKeys(input: NewAuditEvent, at: Date) {
    const actor = isPersonActor(input.actor) ? input.actor : null;
    const owner = personOfSubject(input.subject)?.userId ?? input.about ?? actor;
    const keys: { data: PersonalKey | null; actor: PersonalKey | null } = { data: null, actor: null };
    if (owner !== null) keys.data = await personalKeys().keyFor(owner, at);
    if (actor !== null) keys.actor = actor === owner ? keys.data : await personalKeys().keyFor(actor, at);
    return keys;
  }

  async function opened(items: Record<string, unknown>[], subject: string): Promise<AuditEvent[]> {
    // Made on the first sealed field: a trail about nobody is read without the keys' binding.
    let opener: ((ref: string) => Promise<Buffer | undefined>) | undefined;
    const keyOf = (ref: string) => {
      opener ??= keyOpener(personalKeys());
      return opener(ref);
    };
    /** A sealed field in clear, or undefined when its key is shredded. */
    const unseal = async (item: Record<string, unknown>, name: 'actor' | 'data', ref: string) => {
      const key = await keyOf(ref);
      if (key === undefined) return undefined;
      return openSealed(String(item[name]), key, fieldAad(String(item.pk), String(item.sk), name));
    };
    return Promise.all(
      items.map(async (item) => {
        const { pk: _pk, sk: _sk, subject: _stored, actorKeyRef, dataKeyRef, actor, data, ...rest } = item;
        const clearActor = typeof actorKeyRef === 'string' ? await unseal(item, 'actor', actorKeyRef) : actor;
        const clearData =
          typeof dataKeyRef === 'string'
            ? await unseal(item, 'data', dataKeyRef).then((json) =>
                json === undefined ? ERASED_DATA : JSON.parse(json),
              )
            : data;
        return { ...rest, subject, actor: clearActor ?? ERASED_ACTOR, data: clearData } as AuditEvent;
      }),
    );
  }

  return {
    async append(input) {
      const keys = await sealingKeys(input, now());
      const pk = await partitionOf(input.subject);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // Each round of simultaneous writers has one winner: back off with full jitter.
        if (attempt > 0) await sleep(Math.random() * 10 * 2 ** Math.min(attempt, 5));
        const event: AuditEvent = {
          subject: input.subject,
          version: (await head(pk)) + 1,
          type: input.type,
          actor: input.actor,
          at: now().toISOString(),
          correlationId: input.correlationId ?? null,
          data: input.data ?? {},
          id: randomUUID(),
        };
        const sk = pad(event.version);
        const item = {
          ...event,
          pk,
          sk,
          subject: pk,
          ...(keys.actor
            ? {
                actor: seal(event.actor, keys.actor.key, fieldAad(pk, sk, 'actor')),
                actorKeyRef: keys.actor.ref,
              }
            : {}),
          ...(keys.data
            ? {
                data: seal(JSON.stringify(event.data), keys.data.key, fieldAad(pk, sk, 'data')),
                dataKeyRef: keys.data.ref,
              }
            : {}),
        };
        try {
          await dynamo.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(sk)',
            }),
          );
          return event;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      throw new Error(`could not append to ${pk}: too much contention`);
    },

    async list(subject, options = {}) {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: options.before !== undefined ? 'pk = :pk AND sk < :before' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': await partitionOf(subject),
            ...(options.before !== undefined ? { ':before': pad(options.before) } : {}),
          },
          ScanIndexForward: false,
          Limit: options.limit ?? 50,
        }),
      );
      return opened(out.Items ?? [], subject);
    },
  };
}
