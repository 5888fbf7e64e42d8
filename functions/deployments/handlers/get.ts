import { httpHandler } from '#shared/http/pipeline.ts';
import { deploymentReadDeps } from '../deps.ts';
import { presentDeployment } from '../present.ts';
import { getDeployment as route } from '../routes.ts';
import { getOwnedDeployment } from '../use-cases/deployments.ts';

const deps = deploymentReadDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const deployment = await getOwnedDeployment(deps, principal, params.deploymentId);
  return {
    headers: { ETag: `"${deployment.revision}"` },
    body: presentDeployment(principal, deployment),
  };
});
