import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  dynamoSessionStore,
  GraceRefusedError,
  RefreshRaceError,
  type RefreshRecord,
  type Session,
} from '#functions/auth/store/sessions.ts';
import { APP_TABLE } from '../../support/tables.ts';

const sessions = dynamoSessionStore(APP_TABLE);
const T0 = Math.floor(Date.now() / 1000);
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const tokenHash = () => createHash('sha256').update(randomUUID()).digest('hex');

function newSession(userId: string): Session {
  return {
    sessionId: randomUUID(),
    userId,
    createdAt: iso(T0),
    lastUsedAt: iso(T0),
    absoluteExpiresAt: T0 + 30 * 86_400,
    revokedAt: null,
    revokedReason: null,
    userAgent: 'integration-test',
    ip: '203.0.113.7',
  };
}

function refreshOf(session: Session, issuedAt: number): RefreshRecord {
  return {
    tokenHash: tokenHash(),
    userId: session.userId,
    sessionId: session.sessionId,
    status: 'active',
    issuedAt,
    idleExpiresAt: issuedAt + 7 * 86_400,
    rotatedAt: null,
    successorNonce: null,
    successorHash: null,
    graceUsedAt: null,
  };
}

/** A stored session of a fresh user with its first refresh token. */
async function startedSession(userId = randomUUID()) {
  const session = newSession(userId);
  const first = refreshOf(session, T0);
  await sessions.create(session, first);
  return { session, first };
}

describe('dynamoSessionStore on the emulator', () => {
  it('create stores the session and its first refresh token', async () => {
    const session = newSession(randomUUID());
    const first = refreshOf(session, T0);

    await sessions.create(session, first);

    assert.deepEqual(await sessions.get(session.userId, session.sessionId), session);
    assert.deepEqual(await sessions.getRefresh(first.tokenHash), first);
  });

  it('getRefresh of an unknown hash returns undefined', async () => {
    assert.equal(await sessions.getRefresh(tokenHash()), undefined);
  });

  it('rotate of an active token marks it rotated with its successor, stores the new one and touches the session', async () => {
    const { session, first } = await startedSession();
    const next = refreshOf(session, T0 + 60);

    await sessions.rotate(first, next, 'nonce-1', iso(T0 + 60));

    assert.deepEqual(await sessions.getRefresh(first.tokenHash), {
      ...first,
      status: 'rotated',
      rotatedAt: T0 + 60,
      successorNonce: 'nonce-1',
      successorHash: next.tokenHash,
    });
    assert.deepEqual(await sessions.getRefresh(next.tokenHash), next);
    assert.equal((await sessions.get(session.userId, session.sessionId))?.lastUsedAt, iso(T0 + 60));
  });

  it('rotating the same active record twice fails the second time with RefreshRaceError', async () => {
    const { session, first } = await startedSession();
    await sessions.rotate(first, refreshOf(session, T0 + 60), 'nonce-1', iso(T0 + 60));
    const late = refreshOf(session, T0 + 61);

    // `first` is the stale copy a concurrent refresh read while the token was still active.
    await assert.rejects(sessions.rotate(first, late, 'nonce-2', iso(T0 + 61)), RefreshRaceError);

    assert.equal(await sessions.getRefresh(late.tokenHash), undefined, 'the losing token must not be stored');
    assert.equal((await sessions.get(session.userId, session.sessionId))?.lastUsedAt, iso(T0 + 60));
  });

  it('rotate from a record already rotated fails with RefreshRaceError: a rotated token never forks', async () => {
    const { session, first } = await startedSession();
    await sessions.rotate(first, refreshOf(session, T0 + 60), 'nonce-1', iso(T0 + 60));
    const rotated = await sessions.getRefresh(first.tokenHash);
    assert.ok(rotated?.status === 'rotated', 'precondition: the first token is rotated');
    const fork = refreshOf(session, T0 + 65);

    await assert.rejects(sessions.rotate(rotated, fork, 'nonce-2', iso(T0 + 65)), RefreshRaceError);

    assert.deepEqual(await sessions.getRefresh(first.tokenHash), rotated);
    assert.equal(await sessions.getRefresh(fork.tokenHash), undefined);
  });

  it('useGrace succeeds once for a rotated token whose successor is unused; the second is refused', async () => {
    const { session, first } = await startedSession();
    const next = refreshOf(session, T0 + 60);
    await sessions.rotate(first, next, 'nonce-1', iso(T0 + 60));
    const rotated = await sessions.getRefresh(first.tokenHash);
    assert.ok(rotated, 'precondition: the rotated record is there');

    await sessions.useGrace(rotated, T0 + 65, iso(T0 + 65));
    await assert.rejects(sessions.useGrace(rotated, T0 + 66, iso(T0 + 66)), GraceRefusedError);

    assert.equal((await sessions.getRefresh(first.tokenHash))?.graceUsedAt, T0 + 65);
    assert.equal((await sessions.get(session.userId, session.sessionId))?.lastUsedAt, iso(T0 + 65));
  });

  it('useGrace is refused once the successor has been rotated itself, or the session revoked', async () => {
    const a = await startedSession();
    const aNext = refreshOf(a.session, T0 + 60);
    await sessions.rotate(a.first, aNext, 'nonce-1', iso(T0 + 60));
    await sessions.rotate(aNext, refreshOf(a.session, T0 + 61), 'nonce-2', iso(T0 + 61));
    const b = await startedSession();
    await sessions.rotate(b.first, refreshOf(b.session, T0 + 60), 'nonce-3', iso(T0 + 60));
    await sessions.revoke(b.session.userId, b.session.sessionId, 'logout', iso(T0 + 61));

    for (const { first } of [a, b]) {
      const rotated = await sessions.getRefresh(first.tokenHash);
      assert.ok(rotated, 'precondition: the rotated record is there');
      await assert.rejects(sessions.useGrace(rotated, T0 + 62, iso(T0 + 62)), GraceRefusedError);
      assert.equal((await sessions.getRefresh(first.tokenHash))?.graceUsedAt, null);
    }
  });

  it('of twenty concurrent useGrace calls exactly one succeeds', async () => {
    const { session, first } = await startedSession();
    await sessions.rotate(first, refreshOf(session, T0 + 60), 'nonce-1', iso(T0 + 60));
    const rotated = await sessions.getRefresh(first.tokenHash);
    assert.ok(rotated, 'precondition: the rotated record is there');

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => sessions.useGrace(rotated, T0 + 61 + i, iso(T0 + 61 + i))),
    );

    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    for (const o of outcomes)
      if (o.status === 'rejected') assert.ok(o.reason instanceof GraceRefusedError, String(o.reason));
  });

  it('revoke marks the session revoked; a second revoke is true too and keeps the first reason and time', async () => {
    const { session } = await startedSession();

    const first = await sessions.revoke(session.userId, session.sessionId, 'logout', iso(T0 + 10));
    const second = await sessions.revoke(session.userId, session.sessionId, 'admin', iso(T0 + 20));

    assert.equal(first, true);
    assert.equal(second, true);
    const stored = await sessions.get(session.userId, session.sessionId);
    assert.equal(stored?.revokedAt, iso(T0 + 10));
    assert.equal(stored?.revokedReason, 'logout');
  });

  it('revoke of a session that does not exist returns false and creates nothing', async () => {
    const userId = randomUUID();
    const sessionId = randomUUID();

    const revoked = await sessions.revoke(userId, sessionId, 'logout', iso(T0));

    assert.equal(revoked, false);
    assert.equal(await sessions.get(userId, sessionId), undefined);
  });

  it('rotate after revoke fails with RefreshRaceError and changes nothing', async () => {
    const { session, first } = await startedSession();
    await sessions.revoke(session.userId, session.sessionId, 'logout', iso(T0 + 10));
    const next = refreshOf(session, T0 + 20);

    await assert.rejects(sessions.rotate(first, next, 'nonce-1', iso(T0 + 20)), RefreshRaceError);

    assert.equal((await sessions.getRefresh(first.tokenHash))?.status, 'active');
    assert.equal(await sessions.getRefresh(next.tokenHash), undefined);
  });

  it("list returns the user's sessions and no one else's", async () => {
    const userId = randomUUID();
    const a = await startedSession(userId);
    const b = await startedSession(userId);
    await startedSession(randomUUID());

    const listed = await sessions.list(userId);

    const byId = (x: Session, y: Session) => x.sessionId.localeCompare(y.sessionId);
    assert.deepEqual(listed.sort(byId), [a.session, b.session].sort(byId));
  });
});
