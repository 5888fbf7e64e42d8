import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '#functions/auth/store/sessions.ts';
import { listOwnSessions, revokeOwnSession } from '#functions/auth/use-cases/sessions.ts';
import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import { manualClock, memoryEventStore } from '../../support/fakes.ts';

function sessionOf(userId: string, sessionId: string, createdAt: string): Session {
  return {
    sessionId,
    userId,
    createdAt,
    lastUsedAt: createdAt,
    absoluteExpiresAt: 2_000_000_000,
    revokedAt: null,
    revokedReason: null,
    userAgent: 'agent',
    ip: '203.0.113.7',
  };
}

/** Sessions of one store, by user; revoke keeps the first revocation, as the real store does. */
function harness(...sessions: Session[]) {
  const clock = manualClock();
  const events = memoryEventStore(clock.now);
  const stored = new Map(sessions.map((s) => [`${s.userId}/${s.sessionId}`, s]));
  const store = {
    list: async (userId: string) => [...stored.values()].filter((s) => s.userId === userId),
    revoke: async (userId: string, sessionId: string, reason: string, at: string) => {
      const session = stored.get(`${userId}/${sessionId}`);
      if (!session) return false;
      if (session.revokedAt === null)
        stored.set(`${userId}/${sessionId}`, { ...session, revokedAt: at, revokedReason: reason });
      return true;
    },
  };
  const invalidated: string[] = [];
  const invalidateUser = async (userId: string) => {
    invalidated.push(userId);
  };
  return { deps: { sessions: store, events, now: clock.now, invalidateUser }, stored, events, invalidated };
}

describe('listOwnSessions', () => {
  it('lists the user sessions newest first and marks the current one', async () => {
    const { deps } = harness(
      sessionOf('u1', 'old', '2026-01-01T10:00:00.000Z'),
      sessionOf('u1', 'new', '2026-01-01T11:00:00.000Z'),
      sessionOf('u2', 'theirs', '2026-01-01T12:00:00.000Z'),
    );

    const items = await listOwnSessions(deps, 'u1', 'old');

    assert.deepEqual(
      items.map((s) => [s.sessionId, s.current]),
      [
        ['new', false],
        ['old', true],
      ],
    );
  });

  it('marks no session current for a caller without one (an API key)', async () => {
    const { deps } = harness(sessionOf('u1', 's1', '2026-01-01T10:00:00.000Z'));

    const items = await listOwnSessions(deps, 'u1', null);

    assert.equal(items[0]?.current, false);
  });
});

describe('revokeOwnSession', () => {
  it('revokes the session now with the reason, and records it', async () => {
    const { deps, stored, events } = harness(sessionOf('u1', 's1', '2026-01-01T10:00:00.000Z'));

    await revokeOwnSession(deps, 'u1', 's1', 'logout', 'corr-1');

    assert.equal(stored.get('u1/s1')?.revokedAt, '2026-01-01T12:00:00.000Z');
    assert.equal(stored.get('u1/s1')?.revokedReason, 'logout');
    assert.equal(events.appended[0]?.type, 'security.session-revoked');
    assert.deepEqual(events.appended[0]?.data, { sessionId: 's1', reason: 'logout' });
  });

  it("drops the authorizer's cached verdicts of the user, so the session's access tokens stop working", async () => {
    const { deps, invalidated } = harness(sessionOf('u1', 's1', '2026-01-01T10:00:00.000Z'));

    await revokeOwnSession(deps, 'u1', 's1', 'logout', 'corr-1');

    assert.deepEqual(invalidated, ['u1']);
  });

  it('answers "not found" for another user session and records nothing', async () => {
    const { deps, stored, events, invalidated } = harness(sessionOf('u1', 's1', '2026-01-01T10:00:00.000Z'));

    await assert.rejects(revokeOwnSession(deps, 'u2', 's1', 'user-revoked', 'c'), ResourceNotFoundError);

    assert.equal(stored.get('u1/s1')?.revokedAt, null);
    assert.equal(events.appended.length, 0);
    assert.deepEqual(invalidated, []);
  });
});
