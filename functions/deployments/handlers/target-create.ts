import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { targetCreateRoute as route } from '../catalog-routes.ts';
import { single, targetView } from '../catalog-views.ts';
import { createTarget } from '../use-cases/targets.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body }) => {
  const target = await createTarget(deps, principal, params.envId, body);
  return single(target, targetView(principal, target), 201);
});
