import { responseCache } from '#shared/cache/response-cache.ts';
import { ServiceUnavailableError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheHealth as route } from '../routes.ts';

export const handler = httpHandler(route, async () => {
  const health = await responseCache.health();
  if (health.l2 !== 'ok') {
    throw new ServiceUnavailableError(
      'The cache cannot reach Redis: only in-container and stale copies are served.',
      {
        l2: health.l2,
        latencyMs: health.latencyMs,
      },
    );
  }
  return { body: health };
});
