import { currentState, readEntry } from '../domain/consents.ts';
import type { PersonalDataStore } from '../domain/personal-data.ts';
import type { ConsentLedger } from './consent-ledger.ts';

/** The data-map entry of the consent ledger. */
export const CONSENT_LEDGER_STORE = 'consent-ledger';

/** The fields of an entry the audit store seals with the person's key (`ConsentDecision` and `ConsentEvidence`). */
export const CONSENT_SHREDDED_FIELDS = [
  'purpose',
  'granted',
  'policyVersion',
  'source',
  'ipHash',
  'userAgent',
] as const;

/**
 * The consent ledger as a store of personal data. It has no delete path, by design: its entries are
 * the proof of what the person decided when. Erasure destroys the person's data key in the audit
 * trail (its own data-map entry), which leaves every entry in place, counted and ordered, with its
 * fields unreadable; so `erase` changes nothing here and reports what that shredding covers, and
 * `verify` counts the entries whose data still opens.
 */
export function consentLedgerPersonalData(ledger: Pick<ConsentLedger, 'all'>): PersonalDataStore {
  const readable = async (userId: string) =>
    (await ledger.all(userId)).filter((event) => readEntry(event) !== undefined).length;
  return {
    id: CONSENT_LEDGER_STORE,

    async export({ userId }) {
      const events = await ledger.all(userId);
      const entries = events.map((event) => ({ event, entry: readEntry(event) }));
      return {
        purposes: currentState(entries.flatMap(({ entry }) => (entry === undefined ? [] : [entry]))),
        // Newest first, every entry: one that no longer opens still says a decision was taken then.
        history: entries.map(({ event, entry }) =>
          entry === undefined ? { version: event.version, at: event.at, readable: false } : entry,
        ),
      };
    },

    async erase({ userId }) {
      // Idempotent by construction: once the key is gone, nothing is readable, and a rerun reports 0.
      return {
        store: CONSENT_LEDGER_STORE,
        items: await readable(userId),
        fields: { erased: [], anonymised: [], shredded: [...CONSENT_SHREDDED_FIELDS] },
      };
    },

    verify: ({ userId }) => readable(userId),
  };
}
