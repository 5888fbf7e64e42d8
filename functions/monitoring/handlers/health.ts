import { httpHandler } from '#shared/http/pipeline.ts';
import { healthDeps } from '../deps.ts';
import { healthHttpStatus } from '../domain/health.ts';
import { monitoringHealth as route } from '../routes.ts';
import { dependencyHealth } from '../use-cases/health.ts';

const deps = await healthDeps();

/** 200 while ok or degraded, 503 when down: the body is the report either way. */
export const handler = httpHandler(route, async () => {
  const report = await dependencyHealth(deps);
  return { status: healthHttpStatus(report.status), body: report };
});
