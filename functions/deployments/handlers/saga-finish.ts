import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '#shared/observability.ts';
import { taskHandler } from '#shared/workers.ts';
import { sagaDeps } from '../saga-deps.ts';
import { type FinishInput, finish } from '../use-cases/saga.ts';

const deps = sagaDeps();

/** Deployment saga task after a failure: `{ deploymentId, correlationId, failure }` → `{ ok: true, status }`. */
export const handler = taskHandler('deploy-saga-finish', async (input: FinishInput) => {
  const result = await finish(deps, input);
  // The deployment failure alarm and the dashboard's outcomes count these (cancelled is a choice, not a failure).
  if (result.status === 'failed' || result.status === 'rolled_back')
    metrics.addMetric('DeploymentsFailed', MetricUnit.Count, 1);
  if (result.status === 'cancelled') metrics.addMetric('DeploymentsCancelled', MetricUnit.Count, 1);
  return result;
});
