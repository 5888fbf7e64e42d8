import { httpHandler } from '#shared/http/pipeline.ts';
import { deploymentDeps } from '../deps.ts';
import { presentDeployment } from '../present.ts';
import { cancelDeployment as route } from '../routes.ts';
import { cancelDeployment } from '../use-cases/deployments.ts';

const deps = deploymentDeps();

export const handler = httpHandler(route, async ({ principal, params }) => ({
  status: 202,
  body: presentDeployment(principal, await cancelDeployment(deps, principal, params.deploymentId)),
}));
