import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { InvalidInputError } from '#shared/domain-errors.ts';
import {
  deploymentByStackKey,
  deploymentEventKey,
  deploymentEventsOf,
  deploymentKey,
  deploymentLockKey,
  deploymentsOfStack,
  lastGoodKey,
} from '#shared/store/table-keys.ts';
import type { Deployment, DeploymentEvent, DeploymentLock, SagaStep } from '../domain/model.ts';
import type { DeploymentStore } from './deployments.ts';

/** A listing cursor that this store did not hand out for this listing: a 400 naming `query.cursor`. */
export class InvalidCursorError extends InvalidInputError {
  constructor() {
    super('The cursor is not valid for this listing', [
      { path: 'query.cursor', message: 'not a cursor this listing handed out' },
    ]);
  }
}

/** Tries of an event append that keeps losing the race for the next seq to concurrent writers. */
const APPEND_ATTEMPTS = 25;
const LAST_SEQ = 999_999;

const KEY_FIELDS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
// The deploy step's task token rides on the deployment item but is not part of the model.
const HIDDEN_FIELDS = [...KEY_FIELDS, 'taskToken', 'taskStep'] as const;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (item === undefined) return undefined;
  const rest: Record<string, unknown> = { ...item };
  for (const field of HIDDEN_FIELDS) delete rest[field];
  return rest as T;
}

const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException;
function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The page's LastEvaluatedKey back, checked to belong to this stack's listing. */
function decodeCursor(cursor: string, gsi1pk: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidCursorError();
  const entries = Object.entries(parsed);
  const valid =
    entries.length === KEY_FIELDS.length &&
    KEY_FIELDS.every((field) => typeof (parsed as Record<string, unknown>)[field] === 'string') &&
    (parsed as Record<string, string>).gsi1pk === gsi1pk;
  if (!valid) throw new InvalidCursorError();
  return parsed as Record<string, string>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The deployment store on the app table (layout in `#shared/store/table-keys.ts`). */
export function dynamoDeploymentStore(tableName: string): DeploymentStore {
  async function lastSeq(deploymentId: string): Promise<number> {
    const of = deploymentEventsOf(deploymentId);
    const out = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': of.pk, ':prefix': of.skPrefix },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'seq',
        ConsistentRead: true,
      }),
    );
    const seq = out.Items?.[0]?.seq;
    return typeof seq === 'number' ? seq : 0;
  }

  return {
    async create(deployment, firstEvent) {
      const event: DeploymentEvent = { ...firstEvent, deploymentId: deployment.id, seq: 1 };
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...deploymentKey(deployment.id),
                  ...deploymentByStackKey(deployment.stackId, deployment.createdAt, deployment.id),
                  ...deployment,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName,
                Item: { ...deploymentEventKey(deployment.id, 1), ...event },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    },

    async get(deploymentId) {
      const out = await dynamo.send(
        new GetCommand({ TableName: tableName, Key: deploymentKey(deploymentId), ConsistentRead: true }),
      );
      return strip<Deployment>(out.Item);
    },

    async listOfStack(stackId, page) {
      const of = deploymentsOfStack(stackId);
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
          ExpressionAttributeValues: { ':pk': of.gsi1pk, ':prefix': of.gsi1skPrefix },
          ScanIndexForward: false,
          Limit: page.limit,
          ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, of.gsi1pk),
        }),
      );
      return {
        items: (out.Items ?? []).map((item) => strip<Deployment>(item) as Deployment),
        cursor: out.LastEvaluatedKey === undefined ? null : encodeCursor(out.LastEvaluatedKey),
      };
    },

    async update(deploymentId, expectedRevision, change) {
      const names: Record<string, string> = { '#revision': 'revision' };
      const values: Record<string, unknown> = { ':expected': expectedRevision, ':one': 1 };
      const sets = ['#revision = #revision + :one'];
      for (const [field, value] of Object.entries(change)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: deploymentKey(deploymentId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND #revision = :expected',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return strip<Deployment>(out.Attributes);
      } catch (error) {
        if (conditionFailed(error)) return undefined;
        throw error;
      }
    },

    async appendEvent(deploymentId, event) {
      for (let attempt = 1; attempt <= APPEND_ATTEMPTS; attempt++) {
        const seq = (await lastSeq(deploymentId)) + 1;
        if (seq > LAST_SEQ) throw new Error(`deployment ${deploymentId} has no event numbers left`);
        const stored: DeploymentEvent = { ...event, deploymentId, seq };
        try {
          await dynamo.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...deploymentEventKey(deploymentId, seq), ...stored },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          return stored;
        } catch (error) {
          if (!conditionFailed(error)) throw error;
          // Another writer took this seq: read the new last one and try the next, after a short
          // random pause so that a crowd of writers spreads out.
          await pause(Math.floor(Math.random() * 10 * attempt));
        }
      }
      throw new Error(`could not append an event to deployment ${deploymentId}: too many concurrent writers`);
    },

    async eventsAfter(deploymentId, after, limit) {
      if (after >= LAST_SEQ) return [];
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': deploymentKey(deploymentId).pk,
            ':from': deploymentEventKey(deploymentId, Math.max(0, Math.floor(after)) + 1).sk,
            ':to': deploymentEventKey(deploymentId, LAST_SEQ).sk,
          },
          ScanIndexForward: true,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map((item) => strip<DeploymentEvent>(item) as DeploymentEvent);
    },

    async acquireLock(lock) {
      try {
        await dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...deploymentLockKey(lock.stackId, lock.environmentId), ...lock },
            // Taking it again as its holder succeeds: a retried lock step must not lock itself out.
            // A lapsed lock (its saga timed out before Finish released it) is taken over.
            ConditionExpression: 'attribute_not_exists(pk) OR deploymentId = :id OR expiresAt < :now',
            ExpressionAttributeValues: { ':id': lock.deploymentId, ':now': lock.acquiredAt },
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },

    async releaseLock(stackId, environmentId, deploymentId) {
      try {
        await dynamo.send(
          new DeleteCommand({
            TableName: tableName,
            Key: deploymentLockKey(stackId, environmentId),
            ConditionExpression: 'deploymentId = :id',
            ExpressionAttributeValues: { ':id': deploymentId },
          }),
        );
      } catch (error) {
        // Not held, or held by another deployment: nothing of ours to release.
        if (!conditionFailed(error)) throw error;
      }
    },

    async getLock(stackId, environmentId) {
      const out = await dynamo.send(
        new GetCommand({
          TableName: tableName,
          Key: deploymentLockKey(stackId, environmentId),
          ConsistentRead: true,
        }),
      );
      return strip<DeploymentLock>(out.Item);
    },

    async lastGood(stackId, environmentId) {
      const out = await dynamo.send(
        new GetCommand({
          TableName: tableName,
          Key: lastGoodKey(stackId, environmentId),
          ConsistentRead: true,
        }),
      );
      const item = out.Item;
      if (item === undefined || typeof item.version !== 'number' || typeof item.deploymentId !== 'string')
        return undefined;
      return { version: item.version, deploymentId: item.deploymentId };
    },

    async setLastGood(stackId, environmentId, good) {
      await dynamo.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...lastGoodKey(stackId, environmentId),
            stackId,
            environmentId,
            version: good.version,
            deploymentId: good.deploymentId,
          },
        }),
      );
    },

    async setTaskToken(deploymentId, step: SagaStep, token) {
      await dynamo.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deploymentKey(deploymentId),
          UpdateExpression:
            token === null ? 'REMOVE taskToken, taskStep' : 'SET taskToken = :token, taskStep = :step',
          ConditionExpression: 'attribute_exists(pk)',
          ...(token === null ? {} : { ExpressionAttributeValues: { ':token': token, ':step': step } }),
        }),
      );
    },

    async getTaskToken(deploymentId) {
      const out = await dynamo.send(
        new GetCommand({
          TableName: tableName,
          Key: deploymentKey(deploymentId),
          ProjectionExpression: 'taskToken, taskStep',
          ConsistentRead: true,
        }),
      );
      const item = out.Item;
      if (item === undefined || typeof item.taskToken !== 'string' || typeof item.taskStep !== 'string')
        return undefined;
      return { step: item.taskStep as SagaStep, token: item.taskToken };
    },
  };
}
