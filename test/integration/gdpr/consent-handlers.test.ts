import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { dynamoUserStore, NO_TOTP } from '#functions/auth/store/users.ts';
import { authorizerContext, restEvent } from '../../support/apigw.ts';
import { invokeInFreshProcess } from '../../support/invoke.ts';
import { APP_TABLE } from '../../support/tables.ts';

// The consent handlers through the whole pipeline (validation, permission, rate limit, problem+json)
// on the emulator's tables and the real Redis, each call a cold start, before the routes are deployed.
const ENV = { POWERTOOLS_LOG_LEVEL: 'ERROR', NIMBUS_RATE_LIMIT_ID_KEY: 'it-consent-handlers' };
const SELF_SERVICE = ['profile:read', 'sessions:own', 'totp:own', 'gdpr:own'];

let person: string;
before(async () => {
  for (const name of [
    'AWS_ENDPOINT_URL',
    'EVENTS_TABLE_NAME',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
  ]) {
    if (!process.env[name]) throw new Error(`${name} must be set (source the stack environment)`);
  }
  person = randomUUID();
  await dynamoUserStore(APP_TABLE).create({
    id: person,
    email: `consent-${person}@it.nimbus.test`,
    name: 'Consent Handler Person',
    passwordHash: 'scrypt$32768$8$1$not-a-real-salt$not-a-real-hash',
    roles: ['viewer'],
    orgId: `org_${randomUUID()}`,
    createdAt: new Date().toISOString(),
    totp: NO_TOTP,
  });
});

const as = (id: string, permissions = SELF_SERVICE) =>
  authorizerContext({ id, permissions, roles: ['viewer'] });

function record(caller: Record<string, string>, body: Record<string, unknown>) {
  return invokeInFreshProcess(
    'functions/gdpr/handlers/consent-record.ts',
    restEvent({
      method: 'POST',
      resource: '/v1/gdpr/consents',
      path: '/v1/gdpr/consents',
      json: body,
      authorizer: caller,
    }),
    ENV,
  );
}

function check(caller: Record<string, string>, query: Record<string, string>) {
  return invokeInFreshProcess(
    'functions/gdpr/handlers/consent-check.ts',
    restEvent({
      resource: '/v1/gdpr/consents/{userId}/check',
      path: `/v1/gdpr/consents/${person}/check`,
      pathParameters: { userId: person },
      query,
      authorizer: caller,
    }),
    ENV,
  );
}

const decision = (overrides: Record<string, unknown> = {}) => ({
  userId: person,
  purpose: 'analytics',
  granted: true,
  policyVersion: '2026-01',
  source: 'settings',
  ...overrides,
});

describe('consent handlers on the emulator', () => {
  it('records my decision (201) and the check reflects it', async () => {
    const created = await record(as(person), decision());
    const answer = await check(as(person), { purpose: 'analytics' });

    assert.equal(created.statusCode, 201, created.body);
    const entry = JSON.parse(created.body) as { at: string; actor: string; ipHash: string };
    assert.equal(entry.actor, person);
    assert.match(entry.ipHash, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), {
      granted: true,
      since: entry.at,
      policyVersion: '2026-01',
      legalBasis: 'consent',
      grantedBy: ['analytics'],
    });
  });

  it('answers 403 to someone else, 403 to an API key, 404 to an administrator for nobody', async () => {
    const other = await record(as(randomUUID()), decision());
    const key = await record(
      authorizerContext({ id: person, permissions: ['deployments:read'], kind: 'api-key' }),
      decision(),
    );
    const nobody = await record(as('admin-it', ['*']), decision({ userId: randomUUID() }));

    assert.equal(other.statusCode, 403, other.body);
    assert.equal(key.statusCode, 403, key.body);
    assert.equal(nobody.statusCode, 404, nobody.body);
  });

  it('answers problem+json 400 for an unknown purpose and for a check asking nothing', async () => {
    const unknown = await record(as(person), decision({ purpose: 'newsletter' }));
    const nothing = await check(as(person), {});

    for (const res of [unknown, nothing]) {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.headers?.['Content-Type'], 'application/problem+json');
    }
  });
});
