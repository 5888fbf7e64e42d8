import type { ConsentReadDeps, ConsentWriteDeps } from '#functions/gdpr/consent-deps.ts';
import { eventStoreConsentLedger } from '#functions/gdpr/store/consent-ledger.ts';
import type { AuditEvent, EventStore } from '#shared/audit/event-store.ts';
import { type ManualClock, manualClock, memoryEventStore } from './fakes.ts';

/** Stands in for the keyed IP hash: the shape of a keyed identifier (22 base64url characters), not the IP. */
export const fakeIpHash = async (ip: string) =>
  Buffer.from(`h:${ip}`).toString('base64url').padEnd(22, 'x').slice(0, 22);

/**
 * The consent use cases over the real ledger on an in-memory event store, with `people` as the
 * accounts that exist. `hashed` records each IP handed to the hash.
 */
export function consentWorld(people: readonly string[], clock: ManualClock = manualClock()) {
  const events = memoryEventStore(clock.now);
  const ledger = eventStoreConsentLedger(events);
  const known = new Set(people);
  const asked: string[] = [];
  const hashed: string[] = [];
  const directory = {
    exists: async (userId: string) => {
      asked.push(userId);
      return known.has(userId);
    },
  };
  const write: ConsentWriteDeps = {
    ledger,
    people: directory,
    hashIp: async (ip) => {
      hashed.push(ip);
      return fakeIpHash(ip);
    },
  };
  const read: ConsentReadDeps = { ledger, people: directory };
  return { clock, events, ledger, write, read, asked, hashed };
}

/** What the audit trail shows in place of a field it can no longer open (issue 11). */
export const SHREDDED = 'erased';

/**
 * An event store whose readers see `erased` in every data field of a subject once `shred` destroyed
 * that subject's key, as the audit trail's crypto-shredding shows it (issue 11). Events stay in place.
 */
export function shreddableEventStore(inner: EventStore): EventStore & { shred(subject: string): void } {
  const shredded = new Set<string>();
  const view = (event: AuditEvent): AuditEvent =>
    shredded.has(event.subject)
      ? { ...event, data: Object.fromEntries(Object.keys(event.data).map((key) => [key, SHREDDED])) }
      : event;
  return {
    append: (event) => inner.append(event),
    list: async (subject, options) => (await inner.list(subject, options)).map(view),
    shred: (subject) => {
      shredded.add(subject);
    },
  };
}
