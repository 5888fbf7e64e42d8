import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, json, localAdmin, loginAs, PASSWORD, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

describe('audit trail on the deployed API', () => {
  it('records security events of a user, newest first, readable by an admin', async () => {
    const { email, id } = await registerUser('audit');
    await call('/v1/auth/login', json({ email, password: 'definitely the wrong one' }));
    await loginAs(email);
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const res = await call(`/v1/audit?subject=user:${id}`, { headers: bearer(admin.accessToken) });

    assert.equal(res.status, 200, res.text);
    const items = res.json?.items as Array<{
      type: string;
      version: number;
      actor: string;
      correlationId: string;
    }>;
    assert.deepEqual(
      items.map((e) => e.type),
      ['security.login-succeeded', 'security.login-failed', 'user.registered'],
    );
    assert.deepEqual(
      items.map((e) => e.version),
      [3, 2, 1],
    );
    assert.ok(items.every((e) => typeof e.correlationId === 'string'));
  });

  it('pages with limit and before', async () => {
    const { email, id } = await registerUser('audit-page');
    await loginAs(email);
    await loginAs(email, PASSWORD);
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const page1 = await call(`/v1/audit?subject=user:${id}&limit=2`, { headers: bearer(admin.accessToken) });
    const page2 = await call(`/v1/audit?subject=user:${id}&limit=2&before=${String(page1.json?.next)}`, {
      headers: bearer(admin.accessToken),
    });

    assert.deepEqual(
      ((page1.json?.items ?? []) as Array<{ version: number }>).map((e) => e.version),
      [3, 2],
    );
    assert.deepEqual(
      ((page2.json?.items ?? []) as Array<{ version: number }>).map((e) => e.version),
      [1],
    );
  });

  it('rejects a malformed subject with 400 field errors', async () => {
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const res = await call('/v1/audit?subject=DROP%20TABLE', { headers: bearer(admin.accessToken) });

    assert.equal(res.status, 400);
    assert.equal(((res.json?.errors ?? []) as Array<{ path: string }>)[0]?.path, 'query.subject');
  });
});
