import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { bearer, json, localAdmin, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

const PROBLEM = 'https://nimbus.dev/problems/';

interface Person {
  readonly id: string;
  readonly token: string;
}

async function signedIn(tag: string): Promise<Person> {
  const { email, id } = await registerUser(tag);
  return { id, token: (await loginAs(email)).accessToken };
}

const decide = (token: string, body: Record<string, unknown>) =>
  call('/v1/gdpr/consents', json(body, { ...bearer(token), 'user-agent': 'nimbus-e2e/1.0' }));

const decision = (userId: string, overrides: Record<string, unknown> = {}) => ({
  userId,
  purpose: 'analytics',
  granted: true,
  policyVersion: '2026-01',
  source: 'settings',
  ...overrides,
});

const get = (path: string, token: string) => call(path, { headers: bearer(token) });

describe('GDPR consents over HTTP', () => {
  let alice: Person;
  let bob: Person;
  let admin: string;

  before(async () => {
    alice = await signedIn('consent-alice');
    bob = await signedIn('consent-bob');
    admin = (await loginAs(localAdmin().email, localAdmin().password)).accessToken;
  });

  it('serves the catalog to anyone, with legal bases and data categories', async () => {
    const res = await call('/v1/gdpr/consent-types');

    assert.equal(res.status, 200, res.text);
    const items = res.json?.items as Array<{ purpose: string; legalBasis: string; dataCategories: string[] }>;
    assert.deepEqual(
      items.map((item) => item.purpose),
      ['essential', 'analytics', 'marketing', 'personalisation', 'third-party-sharing'],
    );
    assert.equal(items.find((item) => item.purpose === 'essential')?.legalBasis, 'contract');
    assert.ok(items.every((item) => item.dataCategories.length > 0));
  });

  it('records my grant, then my withdrawal, and the check and the state follow the latest entry', async () => {
    const grant = await decide(alice.token, decision(alice.id));
    const granted = await get(`/v1/gdpr/consents/${alice.id}/check?purpose=analytics`, alice.token);
    const withdrawal = await decide(
      alice.token,
      decision(alice.id, { granted: false, policyVersion: '2026-02' }),
    );
    const withdrawn = await get(`/v1/gdpr/consents/${alice.id}/check?purpose=analytics`, alice.token);
    const state = await get(`/v1/gdpr/consents/${alice.id}`, alice.token);

    assert.equal(grant.status, 201, grant.text);
    assert.equal(grant.json?.actor, alice.id);
    assert.match(String(grant.json?.ipHash), /^[A-Za-z0-9_-]{22}$/);
    assert.equal(grant.json?.userAgent, 'nimbus-e2e/1.0');
    assert.equal(granted.status, 200, granted.text);
    assert.deepEqual(
      [granted.json?.granted, granted.json?.since, granted.json?.policyVersion],
      [true, grant.json?.at, '2026-01'],
    );
    assert.equal(withdrawal.status, 201, withdrawal.text);
    assert.deepEqual(
      [withdrawn.json?.granted, withdrawn.json?.since, withdrawn.json?.policyVersion],
      [false, withdrawal.json?.at, '2026-02'],
    );
    assert.equal(state.status, 200, state.text);
    const purposes = state.json?.purposes as Array<{ purpose: string; granted: boolean }>;
    assert.equal(purposes.find((p) => p.purpose === 'analytics')?.granted, false);
    assert.equal(purposes.find((p) => p.purpose === 'essential')?.granted, true);
    const history = state.json?.history as {
      items: Array<{ version: number; granted: boolean }>;
      next: unknown;
    };
    assert.deepEqual(
      history.items.map((entry) => [entry.version, entry.granted]),
      [
        [2, false],
        [1, true],
      ],
    );
  });

  it('checks a data category: granted while a purpose using it is', async () => {
    const person = await signedIn('consent-category');
    const path = `/v1/gdpr/consents/${person.id}/check?category=behavioral`;

    const before = await get(path, person.token);
    await decide(person.token, decision(person.id, { purpose: 'personalisation' }));
    const after = await get(path, person.token);
    const contact = await get(`/v1/gdpr/consents/${person.id}/check?category=contact`, person.token);

    assert.equal(before.json?.granted, false, before.text);
    assert.equal(after.json?.granted, true, after.text);
    assert.deepEqual(after.json?.grantedBy, ['personalisation']);
    assert.deepEqual([contact.json?.granted, contact.json?.legalBasis], [true, 'contract']);
  });

  it("refuses another person's consents to a user without gdpr:admin, reading or writing", async () => {
    const write = await decide(bob.token, decision(alice.id));
    const read = await get(`/v1/gdpr/consents/${alice.id}`, bob.token);
    const check = await get(`/v1/gdpr/consents/${alice.id}/check?purpose=analytics`, bob.token);

    for (const res of [write, read, check]) {
      assert.equal(res.status, 403, res.text);
      assert.equal(res.json?.type, `${PROBLEM}forbidden`);
    }
  });

  it("lets an administrator record and read anyone's consents, as the actor", async () => {
    const res = await decide(admin, decision(bob.id, { purpose: 'marketing', source: 'support-call' }));
    const read = await get(`/v1/gdpr/consents/${bob.id}`, admin);

    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.json?.actor, bob.id);
    assert.equal(read.status, 200, read.text);
    const purposes = read.json?.purposes as Array<{ purpose: string; granted: boolean }>;
    assert.equal(purposes.find((p) => p.purpose === 'marketing')?.granted, true);
  });

  it('answers 404 for an unknown person, to an administrator', async () => {
    const unknown = randomUUID();

    const write = await decide(admin, decision(unknown));
    const read = await get(`/v1/gdpr/consents/${unknown}`, admin);

    assert.equal(write.status, 404, write.text);
    assert.equal(read.status, 404, read.text);
  });

  it('refuses an API key, even on its owner’s consents', async () => {
    const created = await call(
      '/v1/keys',
      json({ name: 'consent probe', permissions: ['deployments:read'] }, bearer(alice.token)),
    );
    assert.equal(created.status, 201, created.text);
    const key = { 'x-api-key': String(created.json?.key) };

    const read = await call(`/v1/gdpr/consents/${alice.id}`, { headers: key });
    const write = await call('/v1/gdpr/consents', json(decision(alice.id), key));

    assert.equal(read.status, 403, read.text);
    assert.equal(write.status, 403, write.text);
  });

  it('answers problem+json 400 for an unknown purpose, a purpose not based on consent, and a bad check', async () => {
    const unknown = await decide(alice.token, decision(alice.id, { purpose: 'newsletter' }));
    const essential = await decide(alice.token, decision(alice.id, { purpose: 'essential', granted: false }));
    const missing = await decide(alice.token, { userId: alice.id, purpose: 'analytics' });
    const neither = await get(`/v1/gdpr/consents/${alice.id}/check`, alice.token);
    const both = await get(
      `/v1/gdpr/consents/${alice.id}/check?purpose=analytics&category=behavioral`,
      alice.token,
    );

    for (const res of [unknown, essential, missing, neither, both]) {
      assert.equal(res.status, 400, res.text);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    const paths = ((unknown.json?.errors ?? []) as Array<{ path: string }>).map((error) => error.path);
    assert.ok(paths.includes('body.purpose'), paths.join());
  });

  it('has no way to change or remove an entry: PUT, PATCH and DELETE answer 405', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await call(`/v1/gdpr/consents/${alice.id}`, { method, headers: bearer(alice.token) });

      assert.equal(res.status, 405, `${method}: ${res.text}`);
    }
  });
});
