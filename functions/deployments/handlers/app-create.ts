import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { appCreate as route } from '../catalog-routes.ts';
import { applicationView, single } from '../catalog-views.ts';
import { createApplication } from '../use-cases/applications.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body }) => {
  const app = await createApplication(deps, principal, params.stackId, body);
  return single(app, applicationView(principal, app), 201);
});
