import { ServiceUnavailableError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { inspect } from '#shared/ratelimit/limiter.ts';
import { inspectLimit as route } from '../routes.ts';

export const handler = httpHandler(route, async ({ params }) => {
  const state = await inspect(params.scope, params.identifier).catch(() => {
    throw new ServiceUnavailableError('Redis is unreachable; the rate-limit state cannot be read.');
  });
  return {
    body: {
      scope: params.scope,
      identifier: params.identifier,
      limit: state.limit,
      remaining: state.remaining,
      reset: new Date(state.reset > 0 ? state.reset : Date.now()).toISOString(),
    },
  };
});
