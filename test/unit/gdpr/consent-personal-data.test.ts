import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentSubject, eventStoreConsentLedger } from '#functions/gdpr/store/consent-ledger.ts';
import { consentLedgerPersonalData } from '#functions/gdpr/store/consent-personal-data.ts';
import { recordConsent } from '#functions/gdpr/use-cases/consents.ts';
import { memoryEventStore, userPrincipal } from '../../support/fakes.ts';
import { fakeIpHash, shreddableEventStore } from '../../support/gdpr-fakes.ts';

const ALICE = '6f1c2a0e-8a7b-4a51-9d3e-0c1b2a3d4e5f';
const BOB = '0b7d1c2e-3f4a-4b5c-8d6e-7f8091a2b3c4';
const CLIENT = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)', correlationId: 'corr-1' };

async function world() {
  const events = shreddableEventStore(memoryEventStore());
  const ledger = eventStoreConsentLedger(events);
  const deps = { ledger, people: { exists: async () => true }, hashIp: fakeIpHash };
  for (const [userId, purpose, granted] of [
    [ALICE, 'analytics', true],
    [ALICE, 'marketing', true],
    [ALICE, 'analytics', false],
    [BOB, 'analytics', true],
  ] as const) {
    const caller = userPrincipal({ id: userId, permissions: ['gdpr:own'] });
    await recordConsent(
      deps,
      caller,
      { userId, purpose, granted, policyVersion: 'v1', source: 'settings' },
      CLIENT,
    );
  }
  return { events, store: consentLedgerPersonalData(ledger) };
}
const alice = { userId: ALICE, email: 'alice@example.com' };

describe('the consent ledger as a personal-data store', () => {
  it("exports the person's whole history and current state, and nothing of anyone else", async () => {
    const { store } = await world();

    const exported = (await store.export(alice)) as {
      purposes: { purpose: string; granted: boolean }[];
      history: { version: number; purpose: string; actor: string }[];
    };

    assert.deepEqual(
      exported.history.map((entry) => [entry.version, entry.purpose, entry.actor]),
      [
        [3, 'analytics', ALICE],
        [2, 'marketing', ALICE],
        [1, 'analytics', ALICE],
      ],
    );
    assert.deepEqual(
      exported.purposes.filter((state) => state.granted).map((state) => state.purpose),
      ['essential', 'marketing'],
    );
    assert.ok(!JSON.stringify(exported).includes(BOB));
  });

  it('deletes nothing: erasure reports the readable entries the audit key covers, and verify counts what still opens', async () => {
    const { events, store } = await world();

    const before = await store.verify(alice);
    const report = await store.erase(alice);
    events.shred(consentSubject(ALICE));
    const after = await store.verify(alice);
    const rerun = await store.erase(alice);

    assert.equal(before, 3);
    assert.deepEqual(report, {
      store: 'consent-ledger',
      items: 3,
      fields: {
        erased: [],
        anonymised: [],
        shredded: ['purpose', 'granted', 'policyVersion', 'source', 'ipHash', 'userAgent'],
      },
    });
    assert.equal(after, 0);
    assert.equal(rerun.items, 0);
    assert.equal((await events.list(consentSubject(ALICE))).length, 3, 'the entries stay, as proof');
    assert.equal(await store.verify({ userId: BOB, email: null }), 1, "nobody else's entries are touched");
  });

  it('exports a shredded entry as its time and place only', async () => {
    const { events, store } = await world();
    events.shred(consentSubject(ALICE));

    const exported = (await store.export(alice)) as { history: unknown[] };

    assert.deepEqual(exported.history[0], {
      version: 3,
      at: (await events.list(consentSubject(ALICE)))[0]?.at,
      readable: false,
    });
  });
});
