import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { dynamoUserStore, NO_TOTP } from '#functions/auth/store/users.ts';
import { consentSubject, eventStoreConsentLedger } from '#functions/gdpr/store/consent-ledger.ts';
import { consentLedgerPersonalData } from '#functions/gdpr/store/consent-personal-data.ts';
import {
  checkConsent,
  consentOverview,
  type RecordConsentInput,
  recordConsent,
} from '#functions/gdpr/use-cases/consents.ts';
import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { bindingsEnvironment } from '#shared/config/bindings.ts';
import { keyedIdentifier } from '#shared/ratelimit/identifiers.ts';
import { userPrincipal } from '../../support/fakes.ts';
import { APP_TABLE, EVENTS_TABLE } from '../../support/tables.ts';

// The handlers' deps as the composition root builds them, on the deployed tables; the IP hash key
// given directly, as tools do (functions read it from the bound secret).
const ID_KEY = 'k'.repeat(64);
let compose: typeof import('#functions/compose/gdpr-consents.ts');
before(async () => {
  Object.assign(process.env, bindingsEnvironment({ appTable: APP_TABLE, eventsTable: EVENTS_TABLE }), {
    NIMBUS_RATE_LIMIT_ID_KEY: ID_KEY,
  });
  compose = await import('#functions/compose/gdpr-consents.ts');
});

const CLIENT = { ip: '198.51.100.23', userAgent: 'integration-test/1.0', correlationId: 'it-consent' };

async function newPerson(): Promise<string> {
  const id = randomUUID();
  await dynamoUserStore(APP_TABLE).create({
    id,
    email: `consent-${id}@it.nimbus.test`,
    name: 'Consent Person',
    passwordHash: 'scrypt$32768$8$1$not-a-real-salt$not-a-real-hash',
    roles: ['viewer'],
    orgId: `org_${randomUUID()}`,
    createdAt: new Date().toISOString(),
    totp: NO_TOTP,
  });
  return id;
}

const self = (id: string) => userPrincipal({ id, permissions: ['gdpr:own'] });
const decision = (userId: string, overrides: Partial<RecordConsentInput> = {}): RecordConsentInput => ({
  userId,
  purpose: 'marketing',
  granted: true,
  policyVersion: '2026-01',
  source: 'settings',
  ...overrides,
});

describe('the consent ledger on the events table', () => {
  it('appends grant and withdrawal as consent events of the person, with the keyed IP hash', async () => {
    const userId = await newPerson();
    const write = compose.consentWriteDeps();

    await recordConsent(write, self(userId), decision(userId), CLIENT);
    await recordConsent(write, self(userId), decision(userId, { granted: false }), CLIENT);

    const stored = await dynamoEventStore(EVENTS_TABLE).list(consentSubject(userId));
    assert.deepEqual(
      stored.map((event) => [event.version, event.type, event.actor, event.correlationId]),
      [
        [2, 'consent.withdrawn', userId, 'it-consent'],
        [1, 'consent.granted', userId, 'it-consent'],
      ],
    );
    assert.deepEqual(stored[1]?.data, {
      purpose: 'marketing',
      granted: true,
      policyVersion: '2026-01',
      source: 'settings',
      ipHash: keyedIdentifier(Buffer.from(ID_KEY), `consent-ip:${CLIENT.ip}`),
      userAgent: CLIENT.userAgent,
    });
    assert.ok(!JSON.stringify(stored).includes(CLIENT.ip));
  });

  it('reads the state and check back through the composed deps: the latest entry decides', async () => {
    const userId = await newPerson();
    const write = compose.consentWriteDeps();
    const read = compose.consentReadDeps();

    await recordConsent(write, self(userId), decision(userId, { purpose: 'analytics' }), CLIENT);
    const withdrawal = await recordConsent(
      write,
      self(userId),
      decision(userId, { purpose: 'analytics', granted: false, policyVersion: '2026-02' }),
      CLIENT,
    );
    const overview = await consentOverview(read, self(userId), userId, { limit: 50 });
    const check = await checkConsent(read, self(userId), userId, { purpose: 'analytics' });

    assert.equal(overview.purposes.find((state) => state.purpose === 'analytics')?.granted, false);
    assert.deepEqual(
      overview.history.items.map((entry) => [entry.version, entry.granted]),
      [
        [2, false],
        [1, true],
      ],
    );
    assert.deepEqual(check, {
      granted: false,
      since: withdrawal.at,
      policyVersion: '2026-02',
      legalBasis: null,
      grantedBy: [],
    });
  });

  it('finds no account for an unknown id', async () => {
    const read = compose.consentReadDeps();

    assert.equal(await read.people.exists(randomUUID()), false);
  });

  it('reads a ledger longer than one page whole, newest first, for the data-map adapter', async () => {
    const userId = await newPerson();
    const write = compose.consentWriteDeps();
    for (let i = 0; i < 7; i++) {
      await recordConsent(write, self(userId), decision(userId, { granted: i % 2 === 0 }), CLIENT);
    }
    const ledger = eventStoreConsentLedger(dynamoEventStore(EVENTS_TABLE), 3);

    const all = await ledger.all(userId);
    const exported = (await consentLedgerPersonalData(ledger).export({ userId, email: null })) as {
      history: { version: number }[];
    };

    assert.deepEqual(
      all.map((event) => event.version),
      [7, 6, 5, 4, 3, 2, 1],
    );
    assert.equal(exported.history.length, 7);
    assert.equal(await consentLedgerPersonalData(ledger).verify({ userId, email: null }), 7);
  });
});
