import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  dynamoSessionStore,
  GraceRefusedError,
  RefreshRaceError,
  type RefreshRecord,
  refreshTokensOfUser,
  type Session,
} from '#functions/auth/store/sessions.ts';
import { dynamoApiKeyStore } from '#functions/keys/store/api-keys.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { refreshTokenKey, sessionKey } from '#shared/store/table-keys.ts';
import { testPersonalKeys } from '../../support/personal-keys.ts';
import { APP_TABLE } from '../../support/tables.ts';

const { keys: personalKeys } = testPersonalKeys();
const sessions = dynamoSessionStore(APP_TABLE, () => personalKeys);
const rawItem = async (key: { pk: string; sk: string }) =>
  (await dynamo.send(new GetCommand({ TableName: APP_TABLE, Key: key, ConsistentRead: true }))).Item;
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
    userAgent: 'Mozilla/5.0 (integration-test)',
    ip: '203.0.113.7',
  };
}

/** What `get` answers for a stored session: its state, the IP cut to its network. */
const stateOf = ({ userAgent: _ua, ...state }: Session) => ({ ...state, ip: '203.0.113.0' });

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

    assert.deepEqual(await sessions.get(session.userId, session.sessionId), stateOf(session));
    assert.deepEqual(await sessions.getRefresh(first.tokenHash), first);
  });

  it('keeps neither the IP nor the user agent in clear: the /24 network, the agent sealed', async () => {
    const { session } = await startedSession();

    const raw = await rawItem(sessionKey(session.userId, session.sessionId));

    assert.equal(raw?.ip, '203.0.113.0');
    assert.equal(typeof raw?.userAgent, 'string');
    assert.ok(!JSON.stringify(raw).includes('203.0.113.7'));
    assert.ok(!JSON.stringify(raw).includes('integration-test'));
    assert.ok(!String(raw?.userAgentKeyRef).includes(session.userId), 'the key ref names a pseudonym');
  });

  it('stores an IPv6 client as its /48, and an address it cannot parse as null', async () => {
    const v6 = newSession(randomUUID());
    const junk = newSession(randomUUID());
    await sessions.create({ ...v6, ip: '2001:db8:abcd:12::7' }, refreshOf(v6, T0));
    await sessions.create({ ...junk, ip: 'not-an-ip' }, refreshOf(junk, T0));

    assert.equal((await sessions.get(v6.userId, v6.sessionId))?.ip, '2001:db8:abcd::');
    assert.equal((await sessions.get(junk.userId, junk.sessionId))?.ip, null);
  });

  it("list opens the user agent; once the user's keys are destroyed it reads null", async () => {
    const { session } = await startedSession();
    const other = await startedSession();

    const before = await sessions.list(session.userId);
    await personalKeys.destroyAll(session.userId);
    const after = await sessions.list(session.userId);

    assert.deepEqual(
      before.map((s) => s.userAgent),
      ['Mozilla/5.0 (integration-test)'],
    );
    assert.deepEqual(after, [{ ...stateOf(session), userAgent: null }]);
    assert.equal((await sessions.list(other.session.userId))[0]?.userAgent, 'Mozilla/5.0 (integration-test)');
  });

  it("refreshTokensOfUser finds every refresh token of the user (rotated ones too) and no one else's", async () => {
    const userId = randomUUID();
    const a = await startedSession(userId);
    const b = await startedSession(userId);
    const next = refreshOf(a.session, T0 + 60);
    await sessions.rotate(a.first, next, 'nonce-1', iso(T0 + 60));
    await startedSession(randomUUID());

    const tokens = await refreshTokensOfUser(APP_TABLE, userId);

    assert.deepEqual(
      tokens.map((t) => t.tokenHash).sort(),
      [a.first.tokenHash, next.tokenHash, b.first.tokenHash].sort(),
    );
    assert.ok(tokens.every((t) => t.userId === userId));
    assert.equal(tokens.find((t) => t.tokenHash === a.first.tokenHash)?.status, 'rotated');
    const raw = await rawItem(refreshTokenKey(a.first.tokenHash));
    assert.equal(raw?.gsi1pk, `OWNER#${userId}`);
  });

  it("a user's refresh tokens do not show among their API keys (same owner partition, other prefix)", async () => {
    const { session } = await startedSession();

    assert.deepEqual(await dynamoApiKeyStore(APP_TABLE).listByOwner(session.userId), []);
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
    const stored = (s: Session) => ({ ...s, ip: '203.0.113.0' });
    assert.deepEqual(listed.sort(byId), [stored(a.session), stored(b.session)].sort(byId));
  });
});
