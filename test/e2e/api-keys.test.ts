import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateApiKey } from '../../functions/keys/domain/api-keys.ts';
import { dynamoApiKeyStore } from '../../functions/keys/store/api-keys.ts';
import { bearer, json, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';
import { APP_TABLE } from '../support/tables.ts';

const PROBLEM = 'https://nimbus.dev/problems/';

// Regression (issue 9, item 4): a key made with the owner's personal permissions listed and
// revoked the owner's sessions and turned on a second factor, locking the owner out.
describe('API keys act only as services', () => {
  it('refuses to create a key carrying sessions:own, naming it', async () => {
    const { email } = await registerUser('key-personal');
    const { accessToken } = await loginAs(email);

    const res = await call(
      '/v1/keys',
      json({ name: 'too personal', permissions: ['deployments:read', 'sessions:own'] }, bearer(accessToken)),
    );

    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.type, `${PROBLEM}bad-request`);
    const errors = res.json?.errors as Array<{ path: string; message: string }>;
    assert.deepEqual(
      errors.map((e) => e.message.split(' ')[0]),
      ['sessions:own'],
    );
  });

  it('ignores sessions:own on a key row that already holds it: the key cannot list sessions', async () => {
    const { email, id } = await registerUser('key-planted');
    await loginAs(email);
    // A row written before the rule (or planted): the authorizer must drop what keys may not carry.
    const generated = generateApiKey('test');
    await dynamoApiKeyStore(APP_TABLE).create({
      id: randomUUID(),
      hash: generated.hash,
      ownerId: id,
      orgId: '',
      name: 'planted',
      prefix: generated.prefix,
      permissions: ['deployments:read', 'sessions:own'],
      createdAt: new Date().toISOString(),
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      generation: 0,
      rotatedAt: null,
      supersededAt: null,
      rotationEveryDays: null,
      secretToCollect: false,
    });

    const sessions = await call('/v1/auth/sessions', { headers: { 'x-api-key': generated.key } });
    const revoke = await call(`/v1/auth/sessions/${randomUUID()}`, {
      method: 'DELETE',
      headers: { 'x-api-key': generated.key },
    });

    assert.equal(sessions.status, 403, sessions.text);
    assert.equal(revoke.status, 403, revoke.text);
  });
});
