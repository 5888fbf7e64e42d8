import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { appGet as route } from '../catalog-routes.ts';
import { applicationView, single } from '../catalog-views.ts';
import { getApplication } from '../use-cases/applications.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const app = await getApplication(deps, principal, params.appId);
  return single(app, applicationView(principal, app));
});
