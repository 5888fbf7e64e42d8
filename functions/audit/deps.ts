import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { requireEnv } from '#shared/env.ts';

/** What the audit use cases need: read access to the event store, nothing more. */
export interface AuditDeps {
  readonly events: Pick<EventStore, 'list'>;
}

export function auditDeps(): AuditDeps {
  return { events: dynamoEventStore(requireEnv('EVENTS_TABLE_NAME')) };
}
