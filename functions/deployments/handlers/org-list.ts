import { actions, links } from '#shared/http/hateoas.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { orgList as route } from '../catalog-routes.ts';
import { organizationCreate } from '../catalog-schemas.ts';
import { organizationView, paths } from '../catalog-views.ts';
import { listOrganizations } from '../use-cases/organizations.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal }) => {
  const items = await listOrganizations(deps, principal);
  // One page at most: no cursor. Creating it is offered until it exists.
  const create = {
    name: 'create',
    method: 'POST',
    href: paths.organizations,
    body: organizationCreate,
  } as const;
  return {
    body: {
      items: items.map((org) => organizationView(principal, org)),
      nextCursor: null,
      _links: links({ self: paths.organizations }),
      _actions: actions(principal, [
        { ...create, permission: 'deployments:write', allowed: items.length === 0 },
      ]),
    },
  };
});
