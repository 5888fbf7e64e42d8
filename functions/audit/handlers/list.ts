import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { listAudit as route } from '../routes.ts';

const events = dynamoEventStore(boundResource('eventsTable'));

export const handler = httpHandler(route, async ({ query }) => {
  const items = await events.list(query.subject, { limit: query.limit, before: query.before });
  const last = items.at(-1);
  return {
    body: { items, next: items.length === query.limit && last && last.version > 1 ? last.version : null },
  };
});
