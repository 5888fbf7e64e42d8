import { httpHandler } from '#shared/http/pipeline.ts';
import { requestMetricsDeps } from '../deps.ts';
import { requestMetrics as route } from '../routes.ts';
import { requestMetrics } from '../use-cases/request-metrics.ts';

const deps = requestMetricsDeps();

export const handler = httpHandler(route, async ({ query }) => ({
  body: await requestMetrics(deps, query.window),
}));
