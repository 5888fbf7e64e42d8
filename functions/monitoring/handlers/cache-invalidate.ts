import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { responseCache } from '#shared/cache/response-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheInvalidate as route } from '../routes.ts';

const events = dynamoEventStore(boundResource('eventsTable'));

export const handler = httpHandler(route, async ({ body, principal, correlationId }) => {
  const tags = body.tags ?? [];
  if (tags.length > 0) await responseCache.invalidateTags(tags);
  if (body.userId !== undefined) await responseCache.invalidateUser(body.userId);
  await events.append({
    subject: 'cache:http',
    type: 'cache.invalidated',
    actor: principal.id,
    correlationId,
    data: { tags, userId: body.userId ?? null },
  });
  return { status: 202, body: { tags, userId: body.userId ?? null } };
});
