import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { targetList as route } from '../catalog-routes.ts';
import { targetCreate } from '../catalog-schemas.ts';
import { collection, paths, targetView } from '../catalog-views.ts';
import { listTargets } from '../use-cases/targets.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listTargets(deps, principal, params.envId, query);
  const base = paths.targets(params.envId);
  const view = (target: Parameters<typeof targetView>[1]) => targetView(principal, target);
  return {
    body: collection(principal, base, query, page, view, {
      body: targetCreate,
      parent: paths.environment(params.envId),
    }),
  };
});
