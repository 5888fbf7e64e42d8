import { httpHandler } from '#shared/http/pipeline.ts';
import { cacheMonitoringDeps } from '../deps.ts';
import { cacheHealth as route } from '../routes.ts';
import { cacheHealth } from '../use-cases/cache.ts';

const deps = cacheMonitoringDeps();

export const handler = httpHandler(route, async () => ({ body: await cacheHealth(deps) }));
