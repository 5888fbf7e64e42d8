import { httpHandler } from '#shared/http/pipeline.ts';
import { deploymentDeps } from '../deps.ts';
import { presentDeployment } from '../present.ts';
import { rollback as route } from '../routes.ts';
import { requestRollback } from '../use-cases/deployments.ts';

const deps = deploymentDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId }) => {
  const deployment = await requestRollback(deps, principal, { ...params, ...body, correlationId });
  return {
    status: 202,
    headers: { Location: `/v1/deployments/${deployment.id}` },
    body: presentDeployment(principal, deployment),
  };
});
