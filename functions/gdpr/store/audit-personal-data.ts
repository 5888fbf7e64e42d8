import type { AuditEvent, EventStore } from '#shared/audit/event-store.ts';
import { ERASED_DATA } from '#shared/audit/persons.ts';
import type { PersonalKeys } from '#shared/privacy/personal-keys.ts';
import type { PersonalDataStore } from '../domain/personal-data.ts';

const PAGE = 200;

/** Every event of the person's own trail (`user:<id>`), newest first. */
async function trailOf(events: EventStore, userId: string): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await events.list(`user:${userId}`, {
      limit: PAGE,
      ...(before === undefined ? {} : { before }),
    });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined || last.version <= 1) return all;
    before = last.version;
  }
}

const readable = (event: AuditEvent) =>
  event.data !== ERASED_DATA && JSON.stringify(event.data) !== JSON.stringify(ERASED_DATA);

/**
 * The audit trail in the data map: append-only, so erasure deletes nothing here. The person's
 * personal fields are sealed with their data keys; the `personal-keys` store destroys those keys,
 * and from then on the events read as `erased` (still in place, ordered and countable). `erase`
 * reports what is shredded; `verify` counts events of the person that still open.
 */
export function auditTrailPersonalData(events: EventStore): PersonalDataStore {
  return {
    id: 'audit-trail',
    async export(subject) {
      return (await trailOf(events, subject.userId)).map(({ subject: _s, ...event }) => event);
    },
    async erase(subject) {
      const items = (await trailOf(events, subject.userId)).filter(readable).length;
      return {
        store: 'audit-trail',
        items,
        fields: { erased: [], anonymised: [], shredded: items > 0 ? ['actor', 'data'] : [] },
      };
    },
    async verify(subject) {
      return (await trailOf(events, subject.userId)).filter(readable).length;
    },
  };
}

/** The person's data keys: destroying them is the crypto-shredding of the trail and the consent ledger. */
export function personalKeysPersonalData(keys: () => PersonalKeys): PersonalDataStore {
  return {
    id: 'personal-keys',
    async export(subject) {
      return { dataKeys: await keys().count(subject.userId) };
    },
    async erase(subject) {
      const items = await keys().destroyAll(subject.userId);
      return {
        store: 'personal-keys',
        items,
        fields: { erased: items > 0 ? ['dataKey'] : [], anonymised: [], shredded: [] },
      };
    },
    verify: (subject) => keys().count(subject.userId),
  };
}
