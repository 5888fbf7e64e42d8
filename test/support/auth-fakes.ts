import { randomBytes, scryptSync } from 'node:crypto';
import type { AuthConfig } from '#functions/auth/config.ts';
import type { AuthDeps, SecurityMetric } from '#functions/auth/deps.ts';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import { totpAt } from '#functions/auth/domain/totp.ts';
import { type Keyring, ringOf } from '#functions/auth/store/keyring.ts';
import { NO_TOTP, type User } from '#functions/auth/store/users.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import type { Principal } from '#shared/http/principal.ts';
import {
  type ManualClock,
  manualClock,
  memoryAttemptBudgetStore,
  memoryEventStore,
  memorySessionStore,
  memoryUserStore,
} from './fakes.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * A valid scrypt hash at N=2^10: verifies in about a millisecond, where the production parameters
 * cost hundreds, so unit tests can check many passwords. Weaker than `hashPassword` writes, so a
 * successful login re-hashes it (what the rehash tests rely on).
 */
export function cheapPasswordHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFKC'), salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$1024$8$1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** An in-memory keyring with one fresh key, issuing and verifying as `config` says, on `now`. */
export async function testKeyring(config: AuthConfig, now: () => Date): Promise<Keyring> {
  const keySet = { keys: [await generateSigningKey(now())] };
  return ringOf(config, keySet, () => now().getTime());
}

/** A six-digit code that is none of the codes `secret` accepts at `nowMs` (the step ± 1). */
export function wrongTotpCode(secret: string, nowMs: number): string {
  const valid = new Set([-30_000, 0, 30_000].map((offset) => totpAt(secret, nowMs + offset)));
  return ['000000', '111111', '222222', '333333'].find((code) => !valid.has(code)) ?? '444444';
}

/** Identity's dependencies over in-memory ports, with the local stage's settings. */
export async function fakeAuthDeps(clock: ManualClock = manualClock()) {
  const config = STAGE_CONFIGS.local.auth;
  const keyring = await testKeyring(config, clock.now);
  const users = memoryUserStore();
  const events = memoryEventStore(clock.now);
  const budgets = memoryAttemptBudgetStore();
  const sessions = memorySessionStore();
  const counted: SecurityMetric[] = [];
  const dataKey = deriveKey('unit-test-data-key', 'nimbus/totp/v1');
  const backupCodeKey = deriveKey('unit-test-data-key', 'nimbus/backup-codes/v1');
  const refreshKey = deriveKey('unit-test-data-key', 'nimbus/refresh-successor/v1');
  const deps: AuthDeps = {
    config,
    users,
    sessions,
    events,
    keyring: async () => keyring,
    dataKey: async () => dataKey,
    backupCodeKey: async () => backupCodeKey,
    refreshKey: async () => refreshKey,
    attemptBudgets: budgets,
    countMetric: (name) => {
      counted.push(name);
    },
    now: clock.now,
    invalidateUser: async () => {},
  };
  return { deps, clock, users, events, budgets, sessions, counted, keyring, backupCodeKey };
}

/** Stores a user whose password is `TEST_PASSWORD` (cheaply hashed). */
export async function addUser(users: AuthDeps['users'], overrides: Partial<User> = {}): Promise<User> {
  const user: User = {
    id: 'user-1',
    email: 'user-1@nimbus.test',
    name: 'User One',
    passwordHash: cheapPasswordHash(TEST_PASSWORD),
    roles: ['developer'],
    orgId: 'org-1',
    createdAt: '2026-01-01T00:00:00.000Z',
    totp: NO_TOTP,
    ...overrides,
  };
  await users.create(user);
  return user;
}

/** The user's principal as the authorizer describes it, logged in with a password `ageSeconds` ago. */
export function loggedInSince(
  clock: ManualClock,
  ageSeconds: number,
  overrides: Partial<Principal> = {},
): Principal {
  return {
    id: 'user-1',
    kind: 'user',
    roles: ['developer'],
    permissions: ['totp:own', 'keys:own', 'profile:read'],
    sessionId: 'session-1',
    orgId: 'org-1',
    authTime: Math.floor(clock.now().getTime() / 1000) - ageSeconds,
    ...overrides,
  };
}
