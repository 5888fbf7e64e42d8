import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '#shared/observability.ts';
import { taskHandler } from '#shared/workers.ts';
import { sagaDeps } from '../saga-deps.ts';
import { commit, type StepInput } from '../use-cases/saga.ts';

const deps = sagaDeps();

/** Deployment saga task (`lib/constructs/deployment-saga.ts`): `{ deploymentId, correlationId }` → `{ ok: true } | { ok: false, step, reason }`. */
export const handler = taskHandler('deploy-saga-commit', async (input: StepInput) => {
  const result = await commit(deps, input);
  if (result.ok) metrics.addMetric('DeploymentsSucceeded', MetricUnit.Count, 1);
  return result;
});
