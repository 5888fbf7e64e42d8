import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, json, localAdmin, loginAs, pastAuthorizerCache, registerUser } from '../support/identity.ts';
import { type ApiResponse, call } from '../support/stack.ts';

// A route an API key with `monitoring:read` may call: whether the key is accepted shows in its status.
const PROBE = '/v1/monitoring/cache/stats';
const withKey = (key: string) => call(PROBE, { headers: { 'x-api-key': key } });

async function ownerWithKey(tag: string) {
  const { email, id } = await registerUser(tag);
  const { accessToken } = await loginAs(email);
  const created = await call(
    '/v1/keys',
    json({ name: `${tag} key`, permissions: ['monitoring:read'] }, bearer(accessToken)),
  );
  assert.equal(created.status, 201, created.text);
  return { id, accessToken, keyId: String(created.json?.id), key: String(created.json?.key) };
}

const rotate = (
  keyId: string,
  accessToken: string,
  body: Record<string, unknown> = {},
): Promise<ApiResponse> => call(`/v1/keys/${keyId}/rotate`, json(body, bearer(accessToken)));

describe('API-key rotation over HTTP', () => {
  it('keeps the old secret working beside the new one during the overlap, and reports it', async () => {
    const owner = await ownerWithKey('rotate-overlap');
    assert.equal((await withKey(owner.key)).status, 200);

    const rotated = await rotate(owner.keyId, owner.accessToken, { overlapSeconds: 3600 });
    await pastAuthorizerCache();

    assert.equal(rotated.status, 201, rotated.text);
    const newKey = String(rotated.json?.key);
    assert.equal(rotated.json?.id, owner.keyId);
    assert.notEqual(newKey, owner.key);
    assert.equal((await withKey(owner.key)).status, 200);
    assert.equal((await withKey(newKey)).status, 200);
    const status = await call('/v1/keys/status', { headers: bearer(owner.accessToken) });
    assert.equal(status.status, 200, status.text);
    const [item] = (status.json?.items ?? []) as Array<{
      id: string;
      overlap: Array<{ prefix: string; validUntil: string }>;
    }>;
    assert.equal(item?.id, owner.keyId);
    assert.deepEqual(
      item?.overlap.map((o) => o.validUntil),
      [rotated.json?.overlapEndsAt],
    );
  });

  it('with overlapSeconds 0 refuses the old secret and accepts the new one', async () => {
    const owner = await ownerWithKey('rotate-now');
    assert.equal((await withKey(owner.key)).status, 200);

    const rotated = await rotate(owner.keyId, owner.accessToken, { overlapSeconds: 0 });
    await pastAuthorizerCache();

    assert.equal(rotated.status, 201, rotated.text);
    assert.equal((await withKey(owner.key)).status, 401);
    assert.equal((await withKey(String(rotated.json?.key))).status, 200);
  });

  it('refuses an overlap above the maximum with a problem naming the field', async () => {
    const owner = await ownerWithKey('rotate-bounds');

    const res = await rotate(owner.keyId, owner.accessToken, { overlapSeconds: 365 * 86_400 });

    assert.equal(res.status, 400, res.text);
    assert.equal(res.headers.get('content-type')?.startsWith('application/problem+json'), true);
    const errors = res.json?.errors as Array<{ path: string }>;
    assert.deepEqual(
      errors.map((e) => e.path),
      ['body.overlapSeconds'],
    );
  });

  it('revoking a rotated key refuses old and new secrets, overlap or not', async () => {
    const owner = await ownerWithKey('rotate-revoke');
    const rotated = await rotate(owner.keyId, owner.accessToken, { overlapSeconds: 3600 });
    const newKey = String(rotated.json?.key);

    const revoked = await call(`/v1/keys/${owner.keyId}`, {
      method: 'DELETE',
      headers: bearer(owner.accessToken),
    });
    await pastAuthorizerCache();

    assert.equal(revoked.status, 204, revoked.text);
    assert.equal((await withKey(owner.key)).status, 401);
    assert.equal((await withKey(newKey)).status, 401);
  });

  it("answers 404 to another user's rotation, and lets an admin rotate any key", async () => {
    const owner = await ownerWithKey('rotate-owner');
    const other = await ownerWithKey('rotate-other');
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const intruder = await rotate(owner.keyId, other.accessToken);
    const byAdmin = await rotate(owner.keyId, admin.accessToken, { overlapSeconds: 0 });

    assert.equal(intruder.status, 404, intruder.text);
    assert.equal(byAdmin.status, 201, byAdmin.text);
  });

  it('schedules and unschedules rotation, and the audit trail shows every change without secrets', async () => {
    const owner = await ownerWithKey('rotate-audit');
    const rotated = await rotate(owner.keyId, owner.accessToken);
    const scheduled = await call(`/v1/keys/${owner.keyId}/rotation-schedule`, {
      ...json({ everyDays: 30 }, bearer(owner.accessToken)),
      method: 'PUT',
    });
    const unscheduled = await call(`/v1/keys/${owner.keyId}/rotation-schedule`, {
      method: 'DELETE',
      headers: bearer(owner.accessToken),
    });
    const nothingToCollect = await call(
      `/v1/keys/${owner.keyId}/rotated-secret`,
      json({}, bearer(owner.accessToken)),
    );
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const audit = await call(`/v1/audit?subject=apikey:${owner.keyId}`, {
      headers: bearer(admin.accessToken),
    });

    assert.equal(scheduled.status, 200, scheduled.text);
    assert.equal(scheduled.json?.everyDays, 30);
    assert.equal(unscheduled.status, 204, unscheduled.text);
    assert.equal(nothingToCollect.status, 404, nothingToCollect.text);
    assert.equal(audit.status, 200, audit.text);
    const items = audit.json?.items as Array<{ type: string; actor: string; correlationId: string }>;
    assert.deepEqual(
      items.map((e) => e.type),
      [
        'security.apikey-rotation-unscheduled',
        'security.apikey-rotation-scheduled',
        'security.apikey-rotated',
        'security.apikey-created',
      ],
    );
    assert.ok(items.every((e) => e.actor === owner.id && typeof e.correlationId === 'string'));
    assert.equal(audit.text.includes(owner.key), false);
    assert.equal(audit.text.includes(String(rotated.json?.key)), false);
  });
});
