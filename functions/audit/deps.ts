import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';

/** What the audit use cases need: read access to the event store, nothing more. */
export interface AuditDeps {
  readonly events: Pick<EventStore, 'list'>;
}

export function auditDeps(): AuditDeps {
  return { events: dynamoEventStore(boundResource('eventsTable')) };
}
