import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { envCreate as route } from '../catalog-routes.ts';
import { environmentView, single } from '../catalog-views.ts';
import { createEnvironment } from '../use-cases/environments.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body }) => {
  const env = await createEnvironment(deps, principal, params.orgId, body);
  return single(env, environmentView(principal, env), 201);
});
