import { ifMatchRevisions } from '#shared/http/concurrency.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { orgUpdate as route } from '../catalog-routes.ts';
import { organizationView, single } from '../catalog-views.ts';
import { updateOrganization } from '../use-cases/organizations.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body, headers }) => {
  const ifMatch = ifMatchRevisions(headers['if-match']);
  const org = await updateOrganization(deps, principal, params.orgId, body, ifMatch);
  return single(org, organizationView(principal, org));
});
