import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { orgCreate as route } from '../catalog-routes.ts';
import { organizationView, single } from '../catalog-views.ts';
import { createOrganization } from '../use-cases/organizations.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, body }) => {
  const org = await createOrganization(deps, principal, body);
  return single(org, organizationView(principal, org), 201);
});
