import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, json, localAdmin, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

// Tag versions are cached per container for 1 s: past that, invalidations are seen everywhere.
const pastTagVersionCache = () => new Promise((resolve) => setTimeout(resolve, 1200));

describe('response caching on the deployed API', () => {
  it('serves a cached GET with an ETag and answers If-None-Match with 304', async () => {
    const { email } = await registerUser('cache-etag');
    const { accessToken } = await loginAs(email);

    const first = await call('/v1/me', { headers: bearer(accessToken) });
    const second = await call('/v1/me', { headers: bearer(accessToken) });
    const etag = second.headers.get('etag') ?? '';
    const notModified = await call('/v1/me', { headers: { ...bearer(accessToken), 'If-None-Match': etag } });

    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-cache'), 'loader');
    assert.match(second.headers.get('x-cache') ?? '', /^l[12]$/);
    assert.equal(second.text, first.text);
    assert.match(etag, /^W\/".+"$/);
    assert.equal(notModified.status, 304);
    assert.equal(notModified.text, '');
  });

  it('keeps one principal out of another principal’s cached response', async () => {
    const a = await registerUser('cache-a');
    const b = await registerUser('cache-b');
    const tokenA = (await loginAs(a.email)).accessToken;
    const tokenB = (await loginAs(b.email)).accessToken;

    await call('/v1/me', { headers: bearer(tokenA) });
    const asB = await call('/v1/me', { headers: bearer(tokenB) });

    assert.equal(asB.json?.id, b.id);
  });

  it('a role change invalidates the user’s cached profile in every container', async () => {
    const { email, id } = await registerUser('cache-roles');
    const { accessToken } = await loginAs(email);
    await call('/v1/me', { headers: bearer(accessToken) });
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const set = await call(
      `/v1/admin/users/${id}/roles`,
      json({ roles: ['viewer'] }, bearer(admin.accessToken)),
    );
    assert.equal(set.status, 200);
    await pastTagVersionCache();
    const after = await call('/v1/me', { headers: bearer(accessToken) });

    assert.deepEqual(after.json?.roles, ['viewer']);
    assert.equal(after.headers.get('x-cache'), 'loader');
  });

  it('exposes cache health, fleet stats and an audited invalidation to operators', async () => {
    const admin = await loginAs(localAdmin().email, localAdmin().password);
    await call('/v1/me', { headers: bearer(admin.accessToken) });
    await call('/v1/me', { headers: bearer(admin.accessToken) });

    const health = await call('/v1/monitoring/cache/health', { headers: bearer(admin.accessToken) });
    const stats = await call('/v1/monitoring/cache/stats', { headers: bearer(admin.accessToken) });
    const invalidate = await call(
      '/v1/monitoring/cache/invalidate',
      json({ tags: ['route:auth.me'] }, bearer(admin.accessToken)),
    );
    await pastTagVersionCache();
    const reloaded = await call('/v1/me', { headers: bearer(admin.accessToken) });
    const bad = await call('/v1/monitoring/cache/invalidate', json({}, bearer(admin.accessToken)));

    assert.equal(health.status, 200, health.text);
    assert.equal(health.json?.l2, 'ok');
    assert.equal(stats.status, 200, stats.text);
    assert.ok(Number(stats.json?.loads) >= 1);
    assert.equal(typeof stats.json?.hitRate, 'number');
    assert.equal(invalidate.status, 202, invalidate.text);
    assert.equal(reloaded.headers.get('x-cache'), 'loader');
    assert.equal(bad.status, 400);
  });
});
