import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { ServiceUnavailableError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { reset } from '#shared/ratelimit/limiter.ts';
import { resetLimit as route } from '../routes.ts';

const events = dynamoEventStore(boundResource('eventsTable'));

export const handler = httpHandler(route, async ({ params, principal, correlationId }) => {
  await reset(params.scope, params.identifier).catch(() => {
    throw new ServiceUnavailableError('Redis is unreachable; nothing was reset.');
  });
  await events.append({
    subject: `ratelimit:${params.scope}`,
    type: 'ratelimit.reset',
    actor: principal.id,
    correlationId,
    data: { identifier: params.identifier },
  });
  return {};
});
