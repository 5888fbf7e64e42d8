import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, json, localAdmin, loginAs, PASSWORD, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

describe('rate limits on the deployed API', () => {
  it('sends IETF RateLimit headers on limited routes', async () => {
    const { email } = await registerUser('rl-headers');
    const { accessToken } = await loginAs(email);

    const res = await call('/v1/me', { headers: bearer(accessToken) });

    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('ratelimit-limit')) > 0);
    assert.ok(Number(res.headers.get('ratelimit-remaining')) >= 0);
    assert.ok(Number(res.headers.get('ratelimit-reset')) >= 0);
    assert.match(res.headers.get('ratelimit-policy') ?? '', /^\d+;w=\d+$/);
  });

  it('lets an admin inspect and reset a locked-out login, and audits the reset', async () => {
    const { email } = await registerUser('rl-admin');
    for (let attempt = 0; attempt < 5; attempt++) {
      await call('/v1/auth/login', json({ email, password: `wrong password ${attempt}` }));
    }
    assert.equal((await call('/v1/auth/login', json({ email, password: PASSWORD }))).status, 429);
    const admin = await loginAs(localAdmin().email, localAdmin().password);
    const identifier = encodeURIComponent(`ip:127.0.0.1|acct:${email}`);

    const state = await call(`/v1/admin/rate-limits/auth_login/${identifier}`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(state.status, 200, state.text);
    assert.equal(state.json?.remaining, 0);
    assert.equal(state.json?.limit, 5);

    const reset = await call(`/v1/admin/rate-limits/auth_login/${identifier}`, {
      method: 'DELETE',
      headers: bearer(admin.accessToken),
    });
    assert.equal(reset.status, 204, reset.text);
    assert.equal((await call('/v1/auth/login', json({ email, password: PASSWORD }))).status, 200);

    const audit = await call('/v1/audit?subject=ratelimit:auth_login&limit=5', {
      headers: bearer(admin.accessToken),
    });
    const events = (audit.json?.items ?? []) as Array<{ type: string; data: { identifier: string } }>;
    assert.ok(
      events.some((e) => e.type === 'ratelimit.reset' && e.data.identifier === `ip:127.0.0.1|acct:${email}`),
    );
  });

  it('rejects an unknown scope and a malformed identifier with 400', async () => {
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const scope = await call('/v1/admin/rate-limits/nope/ip:1.2.3.4', { headers: bearer(admin.accessToken) });
    const identifier = await call('/v1/admin/rate-limits/global/whatever', {
      headers: bearer(admin.accessToken),
    });

    assert.equal(scope.status, 400);
    assert.equal(identifier.status, 400);
  });
});
