import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONSENT_EVENT_TYPES } from '#functions/gdpr/domain/consents.ts';
import { consentSubject } from '#functions/gdpr/store/consent-ledger.ts';
import {
  checkConsent,
  consentOverview,
  consentTypes,
  type RecordConsentInput,
  recordConsent,
} from '#functions/gdpr/use-cases/consents.ts';
import { InvalidInputError, NotPermittedError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import { permissionsFor } from '#shared/rbac.ts';
import { userPrincipal } from '../../support/fakes.ts';
import { consentWorld, fakeIpHash } from '../../support/gdpr-fakes.ts';

const ALICE = '6f1c2a0e-8a7b-4a51-9d3e-0c1b2a3d4e5f';
const BOB = '0b7d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4';
const alice = userPrincipal({ id: ALICE, roles: ['viewer'], permissions: permissionsFor(['viewer']) });
const bob = userPrincipal({ id: BOB, roles: ['developer'], permissions: permissionsFor(['developer']) });
const admin = userPrincipal({ id: 'admin-1', roles: ['admin'], permissions: ['*'] });
const CLIENT = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)', correlationId: 'corr-1' };
const HOUR = 3_600_000;

const decision = (overrides: Partial<RecordConsentInput> = {}): RecordConsentInput => ({
  userId: ALICE,
  purpose: 'analytics',
  granted: true,
  policyVersion: '2026-01',
  source: 'settings',
  ...overrides,
});

describe('consentTypes', () => {
  it('lists every purpose with its legal basis and categories, and asks consent only where the basis is consent', () => {
    const { items, categories } = consentTypes();

    assert.deepEqual(
      items.map((item) => [item.purpose, item.legalBasis, item.requiresConsent]),
      [
        ['essential', 'contract', false],
        ['analytics', 'consent', true],
        ['marketing', 'consent', true],
        ['personalisation', 'consent', true],
        ['third-party-sharing', 'consent', true],
      ],
    );
    assert.match(items[0]?.legalBasisText ?? '', /^Art\. 6\(1\)\(b\)/);
    assert.ok(categories.some((category) => category.category === 'behavioral'));
  });
});

describe('recordConsent', () => {
  it("appends the person's decision to their ledger with actor, keyed IP hash and user agent", async () => {
    const world = consentWorld([ALICE]);

    const entry = await recordConsent(world.write, alice, decision(), CLIENT);

    assert.deepEqual(entry, {
      userId: ALICE,
      version: 1,
      at: world.clock.now().toISOString(),
      actor: ALICE,
      purpose: 'analytics',
      granted: true,
      policyVersion: '2026-01',
      source: 'settings',
      ipHash: await fakeIpHash(CLIENT.ip),
      userAgent: CLIENT.userAgent,
    });
    const [stored] = world.events.appended;
    assert.equal(stored?.subject, consentSubject(ALICE));
    assert.equal(stored?.type, CONSENT_EVENT_TYPES.granted);
    assert.equal(stored?.correlationId, 'corr-1');
    assert.ok(!JSON.stringify(stored).includes(CLIENT.ip), 'the IP itself is never stored');
  });

  it('records a withdrawal as a new entry of its own type, leaving the grant in place', async () => {
    const world = consentWorld([ALICE]);
    await recordConsent(world.write, alice, decision(), CLIENT);

    const withdrawn = await recordConsent(world.write, alice, decision({ granted: false }), CLIENT);

    assert.equal(withdrawn.version, 2);
    assert.deepEqual(
      world.events.appended.map((event) => event.type),
      [CONSENT_EVENT_TYPES.granted, CONSENT_EVENT_TYPES.withdrawn],
    );
  });

  it('lets an administrator record for anyone, as the actor', async () => {
    const world = consentWorld([ALICE]);

    const entry = await recordConsent(world.write, admin, decision(), CLIENT);

    assert.equal(entry.actor, 'admin-1');
  });

  it("refuses someone else's consents before looking the person up", async () => {
    const world = consentWorld([ALICE]);

    await assert.rejects(recordConsent(world.write, bob, decision(), CLIENT), NotPermittedError);

    assert.deepEqual(world.asked, []);
    assert.deepEqual(world.events.appended, []);
  });

  it('refuses an API key, even one of the person and with every permission', async () => {
    const world = consentWorld([ALICE]);
    const key = userPrincipal({ id: ALICE, kind: 'api-key', permissions: ['*'], sessionId: null });

    await assert.rejects(recordConsent(world.write, key, decision(), CLIENT), NotPermittedError);
    assert.deepEqual(world.events.appended, []);
  });

  it('answers not found for a person without an account', async () => {
    const world = consentWorld([]);

    await assert.rejects(recordConsent(world.write, admin, decision(), CLIENT), ResourceNotFoundError);
    assert.deepEqual(world.events.appended, []);
  });

  it('refuses an unknown purpose, and one whose legal basis is not consent, naming the field', async () => {
    const world = consentWorld([ALICE]);

    for (const purpose of ['newsletter', 'essential']) {
      await assert.rejects(
        recordConsent(world.write, alice, decision({ purpose }), CLIENT),
        (error) =>
          error instanceof InvalidInputError && error.fields.some((field) => field.path === 'body.purpose'),
        purpose,
      );
    }
    assert.deepEqual(world.events.appended, []);
  });

  it('stores no IP hash when the IP is unknown, and at most 512 characters of user agent', async () => {
    const world = consentWorld([ALICE]);

    const entry = await recordConsent(world.write, alice, decision(), {
      ...CLIENT,
      ip: null,
      userAgent: 'x'.repeat(2_000),
    });

    assert.equal(entry.ipHash, null);
    assert.equal(entry.userAgent?.length, 512);
    assert.deepEqual(world.hashed, []);
  });

  it('stores an empty user agent as none, and the entry still counts', async () => {
    const world = consentWorld([ALICE]);

    const entry = await recordConsent(world.write, alice, decision(), { ...CLIENT, userAgent: '' });

    assert.equal(entry.userAgent, null);
    assert.equal((await checkConsent(world.read, alice, ALICE, { purpose: 'analytics' })).granted, true);
  });
});

describe('consentOverview', () => {
  it('shows each purpose where its latest entry left it (undecided: not granted) and the history newest first', async () => {
    const world = consentWorld([ALICE]);
    await recordConsent(world.write, alice, decision(), CLIENT);
    world.clock.advance(HOUR);
    await recordConsent(world.write, alice, decision({ purpose: 'marketing' }), CLIENT);
    world.clock.advance(HOUR);
    const last = await recordConsent(
      world.write,
      alice,
      decision({ granted: false, policyVersion: '2026-02' }),
      CLIENT,
    );

    const overview = await consentOverview(world.read, alice, ALICE, { limit: 50 });

    assert.deepEqual(
      overview.purposes.map((state) => [state.purpose, state.granted]),
      [
        ['essential', true],
        ['analytics', false],
        ['marketing', true],
        ['personalisation', false],
        ['third-party-sharing', false],
      ],
    );
    const analytics = overview.purposes.find((state) => state.purpose === 'analytics');
    assert.equal(analytics?.since, last.at);
    assert.equal(analytics?.policyVersion, '2026-02');
    assert.deepEqual(
      overview.history.items.map((entry) => entry.version),
      [3, 2, 1],
    );
    assert.equal(overview.history.next, null);
  });

  it('pages the history with before/next, the state always from the whole ledger', async () => {
    const world = consentWorld([ALICE]);
    for (let i = 0; i < 5; i++) {
      await recordConsent(world.write, alice, decision({ granted: i % 2 === 0 }), CLIENT);
    }

    const first = await consentOverview(world.read, alice, ALICE, { limit: 2 });
    const second = await consentOverview(world.read, alice, ALICE, {
      limit: 2,
      before: first.history.next ?? 0,
    });
    const third = await consentOverview(world.read, alice, ALICE, {
      limit: 2,
      before: second.history.next ?? 0,
    });

    assert.deepEqual(
      [first, second, third].map((page) => page.history.items.map((entry) => entry.version)),
      [[5, 4], [3, 2], [1]],
    );
    assert.deepEqual(
      [first, second, third].map((page) => page.history.next),
      [4, 2, null],
    );
    assert.equal(third.purposes.find((state) => state.purpose === 'analytics')?.granted, true);
  });

  it('reads for the person and administrators only', async () => {
    const world = consentWorld([ALICE]);

    await assert.rejects(consentOverview(world.read, bob, ALICE, { limit: 50 }), NotPermittedError);
    assert.equal((await consentOverview(world.read, admin, ALICE, { limit: 50 })).userId, ALICE);
    await assert.rejects(consentOverview(world.read, admin, BOB, { limit: 50 }), ResourceNotFoundError);
  });
});

describe('checkConsent', () => {
  it('reflects the latest entry of a purpose: grant, withdraw, grant again', async () => {
    const world = consentWorld([ALICE]);
    const answers = [];
    for (const [granted, policyVersion] of [
      [true, 'v1'],
      [false, 'v1'],
      [true, 'v2'],
    ] as const) {
      world.clock.advance(HOUR);
      const entry = await recordConsent(world.write, alice, decision({ granted, policyVersion }), CLIENT);
      const answer = await checkConsent(world.read, alice, ALICE, { purpose: 'analytics' });
      answers.push([answer.granted, answer.since === entry.at, answer.policyVersion]);
    }

    assert.deepEqual(answers, [
      [true, true, 'v1'],
      [false, true, 'v1'],
      [true, true, 'v2'],
    ]);
  });

  it('answers not granted, since null, for a consent purpose never decided', async () => {
    const world = consentWorld([ALICE]);

    assert.deepEqual(await checkConsent(world.read, alice, ALICE, { purpose: 'marketing' }), {
      granted: false,
      since: null,
      policyVersion: null,
      legalBasis: null,
      grantedBy: [],
    });
  });

  it('grants a category when a purpose using it is granted, and follows its withdrawal', async () => {
    const world = consentWorld([ALICE]);
    const before = await checkConsent(world.read, alice, ALICE, { category: 'behavioral' });
    const grant = await recordConsent(world.write, alice, decision({ purpose: 'personalisation' }), CLIENT);
    const granted = await checkConsent(world.read, alice, ALICE, { category: 'behavioral' });
    world.clock.advance(HOUR);
    const withdrawal = await recordConsent(
      world.write,
      alice,
      decision({ purpose: 'personalisation', granted: false }),
      CLIENT,
    );
    const withdrawn = await checkConsent(world.read, alice, ALICE, { category: 'behavioral' });

    assert.equal(before.granted, false);
    assert.deepEqual(granted, {
      granted: true,
      since: grant.at,
      policyVersion: '2026-01',
      legalBasis: 'consent',
      grantedBy: ['personalisation'],
    });
    assert.deepEqual(withdrawn, {
      granted: false,
      since: withdrawal.at,
      policyVersion: '2026-01',
      legalBasis: null,
      grantedBy: [],
    });
  });

  it('grants a category the essential purpose uses by contract, whatever the ledger says', async () => {
    const world = consentWorld([ALICE]);
    await recordConsent(world.write, alice, decision({ purpose: 'marketing', granted: false }), CLIENT);

    const contact = await checkConsent(world.read, alice, ALICE, { category: 'contact' });

    assert.deepEqual(contact, {
      granted: true,
      since: null,
      policyVersion: null,
      legalBasis: 'contract',
      grantedBy: ['essential'],
    });
  });

  it('asks exactly one question', async () => {
    const world = consentWorld([ALICE]);

    await assert.rejects(checkConsent(world.read, alice, ALICE, {}), InvalidInputError);
    await assert.rejects(
      checkConsent(world.read, alice, ALICE, { purpose: 'analytics', category: 'behavioral' }),
      InvalidInputError,
    );
  });

  it("refuses someone else's check, and an unknown person's for an administrator", async () => {
    const world = consentWorld([ALICE]);

    await assert.rejects(checkConsent(world.read, bob, ALICE, { purpose: 'analytics' }), NotPermittedError);
    await assert.rejects(
      checkConsent(world.read, admin, BOB, { purpose: 'analytics' }),
      ResourceNotFoundError,
    );
  });
});
