import { httpHandler } from '#shared/http/pipeline.ts';
import { performanceDeps } from '../deps.ts';
import { sloPerformance as route } from '../routes.ts';
import { performanceReport } from '../use-cases/request-metrics.ts';

const deps = performanceDeps();

export const handler = httpHandler(route, async ({ query }) => ({
  body: await performanceReport(deps, query.window),
}));
