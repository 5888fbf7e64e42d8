import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { orgGet as route } from '../catalog-routes.ts';
import { organizationView, single } from '../catalog-views.ts';
import { getOrganization } from '../use-cases/organizations.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const org = await getOrganization(deps, principal, params.orgId);
  return single(org, organizationView(principal, org));
});
