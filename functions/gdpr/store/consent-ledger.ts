import type { EventStore } from '#shared/audit/event-store.ts';
import {
  CONSENT_EVENT_TYPES,
  type ConsentDecision,
  type ConsentEvidence,
  type LedgerEvent,
} from '../domain/consents.ts';

/** A person's ledger is the audit-trail subject `consent:<userId>` (the audit store seals its data per person). */
export const consentSubject = (userId: string) => `consent:${userId}`;

export interface NewConsentEntry {
  readonly userId: string;
  readonly decision: ConsentDecision;
  readonly evidence: ConsentEvidence;
  /** Who records it: the caller's id. */
  readonly actor: string;
  readonly correlationId: string | null;
}

/**
 * The consent ledger: append and read, and nothing else. A decision is never changed or removed; a
 * withdrawal is a new entry. It lives in the append-only audit trail, which has no update or delete
 * path either, so the ledger stays whole as proof of what was decided when.
 */
export interface ConsentLedger {
  append(entry: NewConsentEntry): Promise<LedgerEvent>;
  /**
   * Every entry of the person, newest first, as stored: an entry whose data no longer opens is
   * still there. A ledger holds a few decisions per purpose, so it is read whole.
   */
  all(userId: string): Promise<readonly LedgerEvent[]>;
}

/** @param pageSize how many entries one read of the trail returns. @default 200 */
export function eventStoreConsentLedger(events: EventStore, pageSize = 200): ConsentLedger {
  return {
    async append({ userId, decision, evidence, actor, correlationId }) {
      return events.append({
        subject: consentSubject(userId),
        type: decision.granted ? CONSENT_EVENT_TYPES.granted : CONSENT_EVENT_TYPES.withdrawn,
        actor,
        correlationId,
        data: { ...decision, ...evidence },
      });
    },
    async all(userId) {
      const all: LedgerEvent[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await events.list(consentSubject(userId), { limit: pageSize, before });
        all.push(...page);
        const oldest = page.at(-1);
        // Versions start at 1 with no gaps: a short page, or one ending at version 1, is the last.
        if (page.length < pageSize || oldest === undefined || oldest.version <= 1) return all;
        before = oldest.version;
      }
    },
  };
}
