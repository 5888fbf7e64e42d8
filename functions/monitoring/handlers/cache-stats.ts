import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheMonitoringDeps } from '../deps.ts';
import { cacheStats as route } from '../routes.ts';
import { cacheStatistics } from '../use-cases/cache.ts';

const deps = cacheMonitoringDeps();

export const handler = httpHandler(route, async () => ({ body: await cacheStatistics(deps) }));
