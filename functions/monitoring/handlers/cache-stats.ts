import { fleetStats } from '#shared/cache/response-cache.ts';
import { ServiceUnavailableError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheStats as route } from '../routes.ts';

export const handler = httpHandler(route, async () => {
  const stats = await fleetStats().catch(() => {
    throw new ServiceUnavailableError('Redis is unreachable; the shared counters cannot be read.');
  });
  return { body: stats };
});
