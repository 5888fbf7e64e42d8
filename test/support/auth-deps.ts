import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AuthConfig } from '#functions/auth/config.ts';
import type { AuthDeps, SecurityMetric } from '#functions/auth/deps.ts';
import { dynamoAttemptBudgetStore } from '#functions/auth/store/attempt-budgets.ts';
import type { Keyring } from '#functions/auth/store/keyring.ts';
import { dynamoSessionStore } from '#functions/auth/store/sessions.ts';
import { dynamoUserStore, NO_TOTP, type User } from '#functions/auth/store/users.ts';
import type { ClientMeta } from '#functions/auth/use-cases/session-tokens.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { testKeyring } from './auth-fakes.ts';
import { testPersonalKeys } from './personal-keys.ts';
import { APP_TABLE, EVENTS_TABLE } from './tables.ts';

/** A clock the test moves by hand; starts at the real time so DynamoDB TTLs stay in the future. */
export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function testClock(start = new Date()): TestClock {
  let ms = start.getTime();
  return {
    now: () => new Date(ms),
    advance: (seconds) => {
      ms += seconds * 1000;
    },
  };
}

/** The local stage's identity settings, exactly as the CDK hands them to the functions. */
export const LOCAL_AUTH: AuthConfig = STAGE_CONFIGS.local.auth;

/**
 * Real identity dependencies on the emulator's tables: Dynamo stores, the event store, personal
 * keys in a table of the test process, and an in-memory keyring (the Secrets Manager one is the
 * only thing swapped), all on one movable clock.
 */
export async function testAuthDeps(clock: TestClock = testClock()): Promise<{
  deps: AuthDeps;
  clock: TestClock;
  keyring: Keyring;
  invalidated: string[];
  counted: SecurityMetric[];
}> {
  const keyring = await testKeyring(LOCAL_AUTH, clock.now);
  const material = `integration-${randomUUID()}`;
  const dataKey = deriveKey(material, 'nimbus/totp/v1');
  const backupCodeKey = deriveKey(material, 'nimbus/backup-codes/v1');
  const refreshKey = deriveKey(material, 'nimbus/refresh-successor/v1');
  const invalidated: string[] = [];
  const counted: SecurityMetric[] = [];
  // The deployed stack may not have a personal-keys table yet: this process's own one.
  const { keys: personalKeys } = testPersonalKeys(clock.now);
  const deps: AuthDeps = {
    config: LOCAL_AUTH,
    users: dynamoUserStore(APP_TABLE),
    sessions: dynamoSessionStore(APP_TABLE, () => personalKeys),
    events: dynamoEventStore(EVENTS_TABLE, clock.now, () => personalKeys),
    keyring: async () => keyring,
    dataKey: async () => dataKey,
    backupCodeKey: async () => backupCodeKey,
    attemptBudgets: dynamoAttemptBudgetStore(APP_TABLE),
    // Metrics the use cases counted, in order.
    countMetric: (name) => {
      counted.push(name);
    },
    refreshKey: async () => refreshKey,
    now: clock.now,
    // Users whose cached responses the use cases asked to drop, in order.
    invalidateUser: async (userId) => {
      invalidated.push(userId);
    },
  };
  return { deps, clock, keyring, invalidated, counted };
}

export const META: ClientMeta = {
  ip: '203.0.113.7',
  userAgent: 'integration-test',
  correlationId: 'it-identity',
};

/**
 * Asserts a failed authentication with the given code (the problem type a client gets with its
 * 401) and hands the error back for further checks.
 */
export async function rejectsAuthentication(
  promise: Promise<unknown>,
  code: string,
): Promise<AuthenticationFailedError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(
    caught instanceof AuthenticationFailedError,
    `expected an AuthenticationFailedError, got ${String(caught)}`,
  );
  assert.equal(caught.code, code);
  return caught;
}

/** A user stored in the table with the given roles (a fresh id and email each time). */
export async function storedUser(deps: AuthDeps, roles: readonly string[] = ['developer']): Promise<User> {
  const id = randomUUID();
  const user: User = {
    id,
    email: `user-${id}@it.nimbus.test`,
    name: 'Integration Tester',
    passwordHash: 'scrypt$32768$8$1$unused$unused',
    roles,
    orgId: `org_${randomUUID()}`,
    createdAt: deps.now().toISOString(),
    totp: NO_TOTP,
  };
  await deps.users.create(user);
  return user;
}
