import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { attemptBudgetKey } from '#shared/store/table-keys.ts';

/** The secrets whose wrong guesses an account counts, each in a budget of its own. */
export type BudgetName = 'second-factor' | 'step-up';

export interface BudgetState {
  /** Attempts counted since the last success or lockout (an attempt counts before it is checked). */
  readonly failures: number;
  /** Epoch seconds; every attempt is refused until then. */
  readonly lockedUntil: number | null;
  /** Lockouts since the last success: each doubles the next one. */
  readonly lockouts: number;
}

export type Reservation =
  | { readonly granted: true; readonly state: BudgetState }
  | { readonly granted: false; readonly state: BudgetState };

/**
 * Per-account attempt budgets. Kept in DynamoDB rather than Redis: a Redis restart or eviction
 * would hand every attacker a fresh budget, and the counters are written only when someone sends
 * a secret, so their cost does not matter. Every method throws if the table does not answer: the
 * caller refuses the attempt (fail closed).
 */
export interface AttemptBudgetStore {
  /**
   * Counts one attempt, atomically, unless the account is locked at `nowSeconds` or already has
   * `limit` attempts counted; then nothing is counted and the state that refused it comes back.
   * Counting *before* checking is what stops parallel guesses from all slipping under the limit.
   */
  reserve(userId: string, budget: BudgetName, limit: number, nowSeconds: number): Promise<Reservation>;
  /**
   * Locks until `lockedUntil` and starts a new count, if the count is still `observedFailures`:
   * of two requests that spent the last attempt at once, one locks (true) and the other sees it
   * done (false).
   */
  lock(userId: string, budget: BudgetName, observedFailures: number, lockedUntil: number): Promise<boolean>;
  /** A success: the count and the lockout history are forgotten. */
  clear(userId: string, budget: BudgetName): Promise<void>;
}

const EMPTY: BudgetState = { failures: 0, lockedUntil: null, lockouts: 0 };
// A quiet account's history is swept after a month (longer than any lockout).
const RETAIN_SECONDS = 30 * 86_400;

function stateOf(item: Record<string, unknown> | undefined): BudgetState {
  if (!item) return EMPTY;
  const number = (value: unknown) => (typeof value === 'number' ? value : 0);
  return {
    failures: number(item.failures),
    lockedUntil: typeof item.lockedUntil === 'number' ? item.lockedUntil : null,
    lockouts: number(item.lockouts),
  };
}

export function dynamoAttemptBudgetStore(tableName: string): AttemptBudgetStore {
  return {
    async reserve(userId, budget, limit, nowSeconds) {
      try {
        const out = await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: attemptBudgetKey(userId, budget),
            UpdateExpression: 'SET failures = if_not_exists(failures, :zero) + :one, expiresAt = :expires',
            ConditionExpression:
              '(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND ' +
              '(attribute_not_exists(failures) OR failures < :limit)',
            ExpressionAttributeValues: {
              ':zero': 0,
              ':one': 1,
              ':now': nowSeconds,
              ':limit': limit,
              ':expires': nowSeconds + RETAIN_SECONDS,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { granted: true, state: stateOf(out.Attributes) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const out = await dynamo.send(
          new GetCommand({
            TableName: tableName,
            Key: attemptBudgetKey(userId, budget),
            ConsistentRead: true,
          }),
        );
        return { granted: false, state: stateOf(out.Item) };
      }
    },

    async lock(userId, budget, observedFailures, lockedUntil) {
      try {
        await dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: attemptBudgetKey(userId, budget),
            UpdateExpression:
              'SET failures = :zero, lockedUntil = :until, lockouts = if_not_exists(lockouts, :zero) + :one, expiresAt = :expires',
            ConditionExpression: 'failures = :observed',
            ExpressionAttributeValues: {
              ':zero': 0,
              ':one': 1,
              ':until': lockedUntil,
              ':observed': observedFailures,
              ':expires': lockedUntil + RETAIN_SECONDS,
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async clear(userId, budget) {
      await dynamo.send(
        new UpdateCommand({
          TableName: tableName,
          Key: attemptBudgetKey(userId, budget),
          UpdateExpression: 'SET failures = :zero, lockouts = :zero REMOVE lockedUntil',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    },
  };
}
