import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { totpAt } from '../../functions/auth/domain/totp.ts';
import {
  bearer,
  json,
  localAdmin,
  loginAs,
  PASSWORD,
  pastAuthorizerCache,
  registerUser,
  uniqueEmail,
} from '../support/identity.ts';
import { call } from '../support/stack.ts';

// The "done when" journey, over HTTP against the deployed API on the local emulator.
const PROBLEM = 'https://nimbus.dev/problems/';

describe('identity journey on the deployed API', () => {
  it('registers, logs in, enrols TOTP with the QR, logs in with a code, refreshes, manages sessions and keys', async () => {
    const { email, id } = await registerUser('journey');
    const first = await loginAs(email);

    const me = await call('/v1/me', { headers: bearer(first.accessToken) });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json?.id, id);
    assert.equal(me.json?.totpEnabled, false);

    const enroll = await call('/v1/auth/totp/enroll', { method: 'POST', headers: bearer(first.accessToken) });
    assert.equal(enroll.status, 200, enroll.text);
    const secret = String(enroll.json?.secret);
    assert.match(String(enroll.json?.otpauthUri), /^otpauth:\/\/totp\/Nimbus:/);
    assert.match(String(enroll.json?.qrSvg), /^<svg|<\?xml/);

    const wrong = await call('/v1/auth/totp/activate', json({ code: '000000' }, bearer(first.accessToken)));
    assert.equal(wrong.status, 401);
    const activate = await call(
      '/v1/auth/totp/activate',
      json({ code: totpAt(secret, Date.now()) }, bearer(first.accessToken)),
    );
    assert.equal(activate.status, 200, activate.text);
    const backupCodes = activate.json?.backupCodes as string[];
    assert.equal(backupCodes.length, 10);
    assert.equal(new Set(backupCodes).size, 10);

    const noCode = await call('/v1/auth/login', json({ email, password: PASSWORD }));
    assert.equal(noCode.status, 401);
    assert.equal(noCode.json?.type, `${PROBLEM}second-factor-required`);

    // The activation consumed this step's code: the next step's code is still within the ±1 drift.
    const second = await loginAs(email, PASSWORD, totpAt(secret, Date.now() + 30_000));
    const replay = await call(
      '/v1/auth/login',
      json({ email, password: PASSWORD, totp: totpAt(secret, Date.now() + 30_000) }),
    );
    assert.equal(replay.status, 401, 'a TOTP code is single-use');
    const third = await loginAs(email, PASSWORD, backupCodes[0]);
    const backupReplay = await call(
      '/v1/auth/login',
      json({ email, password: PASSWORD, totp: backupCodes[0] }),
    );
    assert.equal(backupReplay.status, 401, 'a backup code is single-use');

    const refreshed = await call('/v1/auth/refresh', json({ refreshToken: second.refreshToken }));
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.notEqual(refreshed.json?.refreshToken, second.refreshToken);
    assert.equal(refreshed.json?.sessionId, second.sessionId);

    const sessions = await call('/v1/auth/sessions', {
      headers: bearer(String(refreshed.json?.accessToken)),
    });
    assert.equal(sessions.status, 200);
    const items = sessions.json?.items as Array<{ sessionId: string; current: boolean }>;
    assert.deepEqual(
      new Set(items.map((s) => s.sessionId)),
      new Set([first.sessionId, second.sessionId, third.sessionId]),
    );
    assert.equal(items.find((s) => s.current)?.sessionId, second.sessionId);

    const revoke = await call(`/v1/auth/sessions/${third.sessionId}`, {
      method: 'DELETE',
      headers: bearer(first.accessToken),
    });
    assert.equal(revoke.status, 204, revoke.text);
    await pastAuthorizerCache();
    const revokedUse = await call('/v1/me', { headers: bearer(third.accessToken) });
    assert.equal(revokedUse.status, 401, 'the access token of a revoked session is refused');
    const revokedRefresh = await call('/v1/auth/refresh', json({ refreshToken: third.refreshToken }));
    assert.equal(revokedRefresh.status, 401);

    const created = await call(
      '/v1/keys',
      json({ name: 'ci', permissions: ['monitoring:read'] }, bearer(first.accessToken)),
    );
    assert.equal(created.status, 201, created.text);
    const key = String(created.json?.key);
    assert.match(key, /^nmb_test_[A-Za-z0-9]{32}$/);
    const withKey = await call('/v1/monitoring/cache/health', { headers: { 'x-api-key': key } });
    assert.equal(withKey.status, 200, withKey.text);
    const listed = await call('/v1/keys', { headers: bearer(first.accessToken) });
    const keys = listed.json?.items as Array<Record<string, unknown>>;
    assert.equal(keys[0]?.id, created.json?.id);
    assert.ok(!JSON.stringify(keys).includes(key), 'the key is never shown again');
    assert.equal(
      (await call('/v1/me', { headers: { 'x-api-key': key } })).status,
      403,
      'a key has only its scopes',
    );

    const revokeKey = await call(`/v1/keys/${String(created.json?.id)}`, {
      method: 'DELETE',
      headers: bearer(first.accessToken),
    });
    assert.equal(revokeKey.status, 204);
    await pastAuthorizerCache();
    assert.equal((await call('/v1/monitoring/cache/health', { headers: { 'x-api-key': key } })).status, 401);

    const logout = await call('/v1/auth/logout', { method: 'POST', headers: bearer(first.accessToken) });
    assert.equal(logout.status, 204);
    await pastAuthorizerCache();
    assert.equal((await call('/v1/me', { headers: bearer(first.accessToken) })).status, 401);
  });

  it('reusing a rotated refresh token revokes the session: the newer token dies too', async () => {
    const { email } = await registerUser('reuse');
    const login = await loginAs(email);
    const rotated = await call('/v1/auth/refresh', json({ refreshToken: login.refreshToken }));
    assert.equal(rotated.status, 200);
    // Past the reuse grace window (10 s on local), the old token is theft evidence.
    await new Promise((resolve) => setTimeout(resolve, 11_000));

    const reuse = await call('/v1/auth/refresh', json({ refreshToken: login.refreshToken }));
    assert.equal(reuse.status, 401);
    assert.equal(reuse.json?.type, `${PROBLEM}refresh-token-reused`);
    const newer = await call('/v1/auth/refresh', json({ refreshToken: String(rotated.json?.refreshToken) }));
    assert.equal(newer.status, 401, 'the whole family is revoked');
    await pastAuthorizerCache();
    assert.equal((await call('/v1/me', { headers: bearer(String(rotated.json?.accessToken)) })).status, 401);
  });

  it('answers an unknown email and a wrong password identically', async () => {
    const { email } = await registerUser('enum');

    const unknown = await call('/v1/auth/login', json({ email: uniqueEmail('nobody'), password: PASSWORD }));
    const wrong = await call('/v1/auth/login', json({ email, password: 'not the password at all' }));

    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(unknown.json?.type, wrong.json?.type);
    assert.equal(unknown.json?.detail, wrong.json?.detail);
  });

  it('throttles login brute force: the 6th attempt in 15 minutes gets 429 with Retry-After', async () => {
    const { email } = await registerUser('brute');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      statuses.push(
        (await call('/v1/auth/login', json({ email, password: `wrong-${attempt}-password` }))).status,
      );
    }
    const sixth = await call('/v1/auth/login', json({ email, password: PASSWORD }));

    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    assert.equal(sixth.status, 429, sixth.text);
    assert.ok(Number(sixth.headers.get('retry-after')) > 0);
    assert.equal(sixth.json?.type, `${PROBLEM}rate-limited`);
  });

  // Regression (issue 9): a taken email answered 409, telling anyone who has an account.
  it('answers a taken email exactly as a new one (202, same body), and rejects bad input with problem+json', async () => {
    const { email } = await registerUser('dup');

    const dup = await call('/v1/auth/register', json({ email, password: PASSWORD, name: 'again' }));
    const fresh = await call(
      '/v1/auth/register',
      json({ email: uniqueEmail('fresh'), password: PASSWORD, name: 'n' }),
    );
    assert.equal(dup.status, 202, dup.text);
    assert.equal(fresh.status, 202, fresh.text);
    assert.equal(dup.text, fresh.text);
    assert.equal(dup.headers.get('location'), fresh.headers.get('location'));

    const malformed = await call('/v1/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers.get('content-type'), 'application/problem+json');

    const wrongType = await call('/v1/auth/register', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    assert.equal(wrongType.status, 415);

    const tooLarge = await call(
      '/v1/auth/register',
      json({ email: uniqueEmail('big'), password: PASSWORD, name: 'x'.repeat(1_100_000) }),
    );
    assert.equal(tooLarge.status, 413);

    const invalid = await call(
      '/v1/auth/register',
      json({ email: 'not-an-email', password: 'short', name: '' }),
    );
    assert.equal(invalid.status, 400);
    const paths = ((invalid.json?.errors ?? []) as Array<{ path: string }>).map((e) => e.path).sort();
    assert.deepEqual(paths, ['body.email', 'body.name', 'body.password']);
  });

  it('refuses forged and malformed credentials with 401', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'], permissions: ['*'] })).toString(
      'base64url',
    );

    const attempts: Array<Record<string, string>> = [
      bearer(`${header}.${payload}.`),
      bearer('not-a-jwt'),
      { 'x-api-key': 'nmb_test_doesnotexist' },
      {},
    ];
    for (const headers of attempts) {
      const res = await call('/v1/me', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
  });

  it('publishes the signing keys as a JWKS with kid and no private part', async () => {
    const res = await call('/.well-known/jwks.json');

    assert.equal(res.status, 200);
    const keys = res.json?.keys as Array<Record<string, unknown>>;
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      assert.equal(typeof key.kid, 'string');
      assert.equal(key.alg, 'ES256');
      assert.equal(key.d, undefined);
    }
  });
});

// Regression (issue 9): registration by administrators only could not work, because the register
// route is public and an admin's token never reached it. Admins create accounts on their own route.
describe('account creation by an administrator', () => {
  it('creates an account that can log in, and answers 409 for a taken email', async () => {
    const admin = await loginAs(localAdmin().email, localAdmin().password);
    const email = uniqueEmail('by-admin');

    const created = await call(
      '/v1/admin/users',
      json({ email, password: PASSWORD, name: 'n' }, bearer(admin.accessToken)),
    );
    const again = await call(
      '/v1/admin/users',
      json({ email, password: PASSWORD, name: 'n' }, bearer(admin.accessToken)),
    );

    assert.equal(created.status, 201, created.text);
    assert.equal(created.json?.email, email);
    assert.equal(again.status, 409, again.text);
    assert.equal((await loginAs(email)).sessionId.length > 0, true);
  });

  it('refuses a caller without users:admin', async () => {
    const { email } = await registerUser('not-admin');
    const { accessToken } = await loginAs(email);

    const res = await call(
      '/v1/admin/users',
      json({ email: uniqueEmail('x'), password: PASSWORD, name: 'n' }, bearer(accessToken)),
    );

    assert.equal(res.status, 403, res.text);
  });
});
