import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackList as route } from '../catalog-routes.ts';
import { stackCreate } from '../catalog-schemas.ts';
import { collection, paths, stackView } from '../catalog-views.ts';
import { listStacks } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listStacks(deps, principal, params.orgId, query);
  const base = paths.stacks(params.orgId);
  const view = (stack: Parameters<typeof stackView>[1]) => stackView(principal, stack);
  return {
    body: collection(principal, base, query, page, view, {
      body: stackCreate,
      parent: paths.organization(params.orgId),
    }),
  };
});
