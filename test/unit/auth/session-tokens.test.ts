import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthDeps } from '#functions/auth/deps.ts';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import { NO_TOTP } from '#functions/auth/store/users.ts';
import {
  REFRESH_REUSED,
  refreshSession,
  startSession,
  type TokenPair,
} from '#functions/auth/use-cases/session-tokens.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import { refusedWith, staticKeyring, UNIT_AUTH } from '../../support/auth-unit.ts';
import {
  manualClock,
  memoryAttemptBudgetStore,
  memoryEventStore,
  memorySessionStore,
  memoryUserStore,
} from '../../support/fakes.ts';

const CONFIG = UNIT_AUTH;
const META = { ip: '203.0.113.7', userAgent: 'unit', correlationId: 'corr-1' };
const GRACE_MS = CONFIG.refreshReuseGraceSeconds * 1000;

/** Identity deps over in-memory stores, and a user who has just logged in. */
async function loggedIn() {
  const clock = manualClock();
  const keySet = { keys: [await generateSigningKey(clock.now())] };
  const nowMs = () => clock.now().getTime();
  const keyring = staticKeyring(keySet, nowMs);
  const sessions = memorySessionStore();
  const events = memoryEventStore(clock.now);
  const users = memoryUserStore();
  const invalidated: string[] = [];
  const deps: AuthDeps = {
    config: CONFIG,
    users,
    sessions,
    events,
    keyring: async () => keyring,
    dataKey: async () => deriveKey('unit-data-key', 'nimbus/totp/v1'),
    refreshKey: async () => deriveKey('unit-data-key', 'nimbus/refresh-successor/v1'),
    backupCodeKey: async () => deriveKey('unit-data-key', 'nimbus/backup-codes/v1'),
    attemptBudgets: memoryAttemptBudgetStore(),
    countMetric: () => {},
    now: clock.now,
    invalidateUser: async (userId) => {
      invalidated.push(userId);
    },
  };
  const user = {
    id: 'user-1',
    email: 'one@nimbus.test',
    name: 'One',
    passwordHash: 'unused',
    roles: ['developer'],
    orgId: 'org-1',
    createdAt: clock.now().toISOString(),
    totp: NO_TOTP,
  };
  await users.create(user);
  const login = await startSession(deps, user, META);
  const eventsOf = (type: string) => events.appended.filter((e) => e.type === type);
  const sessionState = () => sessions.sessions.get(`${user.id}/${login.sessionId}`);
  return { deps, clock, sessions, eventsOf, invalidated, login, sessionState };
}

describe('refreshSession: the grace window never forks a session', () => {
  it('answers the first replay within the grace window with the same successor, once, and audits it', async () => {
    const { deps, clock, eventsOf, login, sessionState } = await loggedIn();
    const first = await refreshSession(deps, login.refreshToken, META);
    clock.advance(GRACE_MS - 1000);

    const replay = await refreshSession(deps, login.refreshToken, META);

    assert.equal(replay.refreshToken, first.refreshToken);
    assert.equal(replay.sessionId, login.sessionId);
    assert.equal(sessionState()?.revokedAt, null);
    const graceUses = eventsOf('security.refresh-grace-used');
    assert.equal(graceUses.length, 1);
    assert.deepEqual(graceUses[0]?.data, { sessionId: login.sessionId, ip: META.ip });
    assert.equal(graceUses[0]?.correlationId, META.correlationId);
  });

  it('three sequential replays: the second grace replay is reuse and revokes the family', async () => {
    const { deps, eventsOf, invalidated, login, sessionState } = await loggedIn();
    const first = await refreshSession(deps, login.refreshToken, META);
    const second = await refreshSession(deps, login.refreshToken, META);

    await refusedWith(refreshSession(deps, login.refreshToken, META), REFRESH_REUSED);

    assert.equal(second.refreshToken, first.refreshToken);
    assert.equal(sessionState()?.revokedReason, 'refresh-token-reuse');
    assert.deepEqual(invalidated, ['user-1']);
    assert.deepEqual(
      eventsOf('security.refresh-token-reused').map((e) => e.data.reason),
      ['grace-spent'],
    );
    await refusedWith(refreshSession(deps, first.refreshToken, META), 'invalid-refresh-token');
  });

  it('twenty concurrent refreshes of one token all end on one successor; the excess revokes the family', async () => {
    const { deps, sessions, login, sessionState } = await loggedIn();

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => refreshSession(deps, login.refreshToken, META)),
    );

    const pairs = outcomes.filter((o): o is PromiseFulfilledResult<TokenPair> => o.status === 'fulfilled');
    const issued = new Set(pairs.map((o) => o.value.refreshToken));
    assert.ok(pairs.length >= 1 && pairs.length <= 2, `${pairs.length} refreshes succeeded`);
    assert.equal(issued.size, 1, 'every successful refresh returns the same successor');
    assert.equal(sessions.refresh.size, 2, 'one token and its one successor are stored, no fork');
    assert.equal(sessionState()?.revokedReason, 'refresh-token-reuse');
  });

  it('a replay within the grace window after the successor was used is reuse', async () => {
    const { deps, eventsOf, login, sessionState } = await loggedIn();
    const first = await refreshSession(deps, login.refreshToken, META);
    await refreshSession(deps, first.refreshToken, META);

    await refusedWith(refreshSession(deps, login.refreshToken, META), REFRESH_REUSED);

    assert.equal(sessionState()?.revokedReason, 'refresh-token-reuse');
    assert.equal(eventsOf('security.refresh-grace-used').length, 0);
  });

  it('reuse outside the grace window revokes the family, drops the authorizer view and is audited', async () => {
    const { deps, clock, eventsOf, invalidated, login, sessionState } = await loggedIn();
    const first = await refreshSession(deps, login.refreshToken, META);
    clock.advance(GRACE_MS + 1000);

    await refusedWith(refreshSession(deps, login.refreshToken, META), REFRESH_REUSED);

    assert.equal(sessionState()?.revokedAt, clock.now().toISOString());
    assert.deepEqual(invalidated, ['user-1']);
    assert.deepEqual(
      eventsOf('security.refresh-token-reused').map((e) => e.data.reason),
      ['outside-grace'],
    );
    await refusedWith(refreshSession(deps, first.refreshToken, META), 'invalid-refresh-token');
  });
});
