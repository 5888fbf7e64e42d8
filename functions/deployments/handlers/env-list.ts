import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { envList as route } from '../catalog-routes.ts';
import { environmentCreate } from '../catalog-schemas.ts';
import { collection, environmentView, paths } from '../catalog-views.ts';
import { listEnvironments } from '../use-cases/environments.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listEnvironments(deps, principal, params.orgId, query);
  const base = paths.environments(params.orgId);
  const view = (env: Parameters<typeof environmentView>[1]) => environmentView(principal, env);
  return {
    body: collection(principal, base, query, page, view, {
      body: environmentCreate,
      parent: paths.organization(params.orgId),
    }),
  };
});
