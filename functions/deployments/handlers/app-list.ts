import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { appList as route } from '../catalog-routes.ts';
import { applicationCreate } from '../catalog-schemas.ts';
import { applicationView, collection, paths } from '../catalog-views.ts';
import { listApplications } from '../use-cases/applications.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listApplications(deps, principal, params.stackId, query);
  const base = paths.applications(params.stackId);
  const view = (app: Parameters<typeof applicationView>[1]) => applicationView(principal, app);
  return {
    body: collection(principal, base, query, page, view, {
      body: applicationCreate,
      parent: paths.stack(params.stackId),
    }),
  };
});
