import { ifMatchRevisions } from '#shared/http/concurrency.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { targetUpdateRoute as route } from '../catalog-routes.ts';
import { single, targetView } from '../catalog-views.ts';
import { updateTarget } from '../use-cases/targets.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body, headers }) => {
  const ifMatch = ifMatchRevisions(headers['if-match']);
  const target = await updateTarget(deps, principal, params.targetId, body, ifMatch);
  return single(target, targetView(principal, target));
});
