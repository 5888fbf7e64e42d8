import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackCreateRoute as route } from '../catalog-routes.ts';
import { single, stackView } from '../catalog-views.ts';
import { createStack } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body }) => {
  const { stack, latest } = await createStack(deps, principal, params.orgId, body);
  return single(stack, stackView(principal, stack, latest), 201);
});
