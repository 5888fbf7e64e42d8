import { httpHandler } from '#shared/http/pipeline.ts';
import { requestMetricsDeps } from '../deps.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../domain/prometheus.ts';
import { prometheusMetrics as route } from '../routes.ts';
import { prometheusMetrics } from '../use-cases/request-metrics.ts';

const deps = requestMetricsDeps();

export const handler = httpHandler(route, async ({ query }) => ({
  rawBody: await prometheusMetrics(deps, query.window),
  contentType: PROMETHEUS_CONTENT_TYPE,
}));
