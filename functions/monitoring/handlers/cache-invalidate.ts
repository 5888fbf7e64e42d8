import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheAdminDeps } from '../deps.ts';
import { cacheInvalidate as route } from '../routes.ts';
import { invalidateCache } from '../use-cases/cache.ts';

const deps = cacheAdminDeps();

export const handler = httpHandler(route, async ({ body, principal, correlationId }) => ({
  status: 202,
  body: await invalidateCache(deps, principal.id, body, correlationId),
}));
