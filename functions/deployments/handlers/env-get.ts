import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { envGet as route } from '../catalog-routes.ts';
import { environmentView, single } from '../catalog-views.ts';
import { getEnvironment } from '../use-cases/environments.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const env = await getEnvironment(deps, principal, params.envId);
  return single(env, environmentView(principal, env));
});
