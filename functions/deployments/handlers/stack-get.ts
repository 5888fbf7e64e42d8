import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackGet as route } from '../catalog-routes.ts';
import { single, stackView } from '../catalog-views.ts';
import { getStack } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const { stack, latest } = await getStack(deps, principal, params.stackId);
  return single(stack, stackView(principal, stack, latest));
});
