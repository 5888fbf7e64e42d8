import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hashRefreshToken,
  REFRESH_REUSED,
  refreshSession,
  startSession,
} from '#functions/auth/use-cases/session-tokens.ts';
import {
  LOCAL_AUTH,
  META,
  rejectsAuthentication,
  storedUser,
  testAuthDeps,
} from '../../support/auth-deps.ts';

const INVALID = 'invalid-refresh-token';
const GRACE = LOCAL_AUTH.refreshReuseGraceSeconds;

/** Real stores, a movable clock, and a user who has just logged in. */
async function loggedIn() {
  const { deps, clock, keyring, invalidated } = await testAuthDeps();
  const user = await storedUser(deps);
  const login = await startSession(deps, user, META);
  return { deps, clock, keyring, user, login, invalidated };
}

describe('startSession and refreshSession on the real stores', () => {
  it('startSession stores a live session and issues an access token for it', async () => {
    const { deps, keyring, user, login } = await loggedIn();

    const claims = await keyring.verifier.verify(login.accessToken);

    assert.equal(claims.sub, user.id);
    assert.equal(claims.session_id, login.sessionId);
    assert.equal(claims.iss, LOCAL_AUTH.issuer);
    assert.equal(login.expiresIn, LOCAL_AUTH.accessTokenTtlSeconds);
    const session = await deps.sessions.get(user.id, login.sessionId);
    assert.equal(session?.revokedAt, null);
    const listed = (await deps.sessions.list(user.id)).find((s) => s.sessionId === login.sessionId);
    assert.equal(listed?.userAgent, META.userAgent);
    assert.equal((await deps.sessions.getRefresh(hashRefreshToken(login.refreshToken)))?.status, 'active');
  });

  it('refresh rotates: a new token pair for the same session, the old token marked rotated', async () => {
    const { deps, clock, keyring, user, login } = await loggedIn();
    clock.advance(60);

    const refreshed = await refreshSession(deps, login.refreshToken, META);

    assert.equal(refreshed.sessionId, login.sessionId);
    assert.notEqual(refreshed.refreshToken, login.refreshToken);
    assert.equal((await keyring.verifier.verify(refreshed.accessToken)).sub, user.id);
    const old = await deps.sessions.getRefresh(hashRefreshToken(login.refreshToken));
    assert.equal(old?.status, 'rotated');
    assert.equal(old?.rotatedAt, Math.floor(clock.now().getTime() / 1000));
    assert.equal((await deps.sessions.get(user.id, login.sessionId))?.lastUsedAt, clock.now().toISOString());
  });

  it('reuse of a rotated token after the grace window revokes the session and records a security event', async () => {
    const { deps, clock, user, login, invalidated } = await loggedIn();
    const newest = await refreshSession(deps, login.refreshToken, META);
    clock.advance(GRACE + 1);

    const error = await rejectsAuthentication(refreshSession(deps, login.refreshToken, META), REFRESH_REUSED);

    assert.equal(error.kind, 'authentication-failed');
    const session = await deps.sessions.get(user.id, login.sessionId);
    assert.equal(session?.revokedAt, clock.now().toISOString());
    assert.equal(session?.revokedReason, 'refresh-token-reuse');
    await rejectsAuthentication(refreshSession(deps, newest.refreshToken, META), INVALID);
    const events = await deps.events.list(`user:${user.id}`);
    const reused = events.find((event) => event.type === 'security.refresh-token-reused');
    assert.ok(reused, `no security.refresh-token-reused event among ${events.map((e) => e.type).join(', ')}`);
    assert.equal(reused.data.sessionId, login.sessionId);
    assert.equal(reused.correlationId, META.correlationId);
    assert.equal(reused.data.reason, 'outside-grace');
    // The authorizer's cached verdict on the session is dropped too.
    assert.deepEqual(invalidated, [user.id]);
  });

  it('a replay within the grace window gets the same successor, once, and is audited', async () => {
    const { deps, clock, user, login } = await loggedIn();
    const first = await refreshSession(deps, login.refreshToken, META);
    clock.advance(GRACE - 1);

    const second = await refreshSession(deps, login.refreshToken, META);

    assert.equal(second.sessionId, login.sessionId);
    assert.equal(second.refreshToken, first.refreshToken);
    assert.equal((await deps.sessions.get(user.id, login.sessionId))?.revokedAt, null);
    const events = await deps.events.list(`user:${user.id}`);
    assert.equal(events.filter((event) => event.type === 'security.refresh-token-reused').length, 0);
    const grace = events.filter((event) => event.type === 'security.refresh-grace-used');
    assert.equal(grace.length, 1);
    assert.equal(grace[0]?.data.sessionId, login.sessionId);
    // The successor is a working token: it rotates normally.
    const third = await refreshSession(deps, first.refreshToken, META);
    assert.equal(third.sessionId, login.sessionId);
  });

  it('three sequential replays within the grace window: same successor, then reuse revokes the family', async () => {
    const { deps, user, login, invalidated } = await loggedIn();

    const first = await refreshSession(deps, login.refreshToken, META);
    const second = await refreshSession(deps, login.refreshToken, META);
    await rejectsAuthentication(refreshSession(deps, login.refreshToken, META), REFRESH_REUSED);

    assert.equal(second.refreshToken, first.refreshToken);
    const session = await deps.sessions.get(user.id, login.sessionId);
    assert.equal(session?.revokedReason, 'refresh-token-reuse');
    assert.deepEqual(invalidated, [user.id]);
    await rejectsAuthentication(refreshSession(deps, first.refreshToken, META), INVALID);
    const events = await deps.events.list(`user:${user.id}`);
    assert.deepEqual(
      events
        .filter((event) => event.type === 'security.refresh-token-reused')
        .map((event) => event.data.reason),
      ['grace-spent'],
    );
  });

  it('a token unused for the idle lifetime is refused with 401', async () => {
    const { deps, clock, login } = await loggedIn();
    clock.advance(LOCAL_AUTH.refreshIdleSeconds + 1);

    await rejectsAuthentication(refreshSession(deps, login.refreshToken, META), INVALID);
  });

  it('a token used just before its idle lifetime ends still refreshes', async () => {
    const { deps, clock, login } = await loggedIn();
    clock.advance(LOCAL_AUTH.refreshIdleSeconds - 1);

    const refreshed = await refreshSession(deps, login.refreshToken, META);

    assert.equal(refreshed.sessionId, login.sessionId);
  });

  it('twenty concurrent refreshes of one token create no fork: one successor, at most two answers', async () => {
    const { deps, user, login } = await loggedIn();

    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => refreshSession(deps, login.refreshToken, META)),
    );

    const answered = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.refreshToken] : []));
    assert.ok(answered.length >= 1 && answered.length <= 2, `${answered.length} refreshes succeeded`);
    assert.equal(new Set(answered).size, 1, 'every successful refresh returns the same successor');
    const rotated = await deps.sessions.getRefresh(hashRefreshToken(login.refreshToken));
    assert.equal(rotated?.successorHash, hashRefreshToken(answered[0] ?? ''));
    // The excess is reuse; a replay that reads the session after a sibling revoked it is plain invalid.
    const refusals = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { code?: string }).code] : [],
    );
    assert.ok(refusals.includes(REFRESH_REUSED), `refusals: ${refusals.join(', ')}`);
    for (const code of refusals)
      assert.ok(code === REFRESH_REUSED || code === INVALID, `refused with ${code}`);
    // More replays than one lost response explains: the family is revoked, successor included.
    assert.equal((await deps.sessions.get(user.id, login.sessionId))?.revokedReason, 'refresh-token-reuse');
    await rejectsAuthentication(refreshSession(deps, answered[0] ?? '', META), INVALID);
  });

  it('a malformed token and a well-formed unknown one are both refused with 401', async () => {
    const { deps } = await testAuthDeps();

    await rejectsAuthentication(refreshSession(deps, 'not-a-refresh-token', META), INVALID);
    await rejectsAuthentication(refreshSession(deps, `nmr_${'A'.repeat(43)}`, META), INVALID);
  });

  it('a token of a session revoked by logout is refused with 401', async () => {
    const { deps, clock, user, login } = await loggedIn();
    await deps.sessions.revoke(user.id, login.sessionId, 'logout', clock.now().toISOString());

    await rejectsAuthentication(refreshSession(deps, login.refreshToken, META), INVALID);
  });
});
