import { ifMatchRevisions } from '#shared/http/concurrency.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackUpdateRoute as route } from '../catalog-routes.ts';
import { single, stackView } from '../catalog-views.ts';
import { updateStack } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, body, headers }) => {
  const ifMatch = ifMatchRevisions(headers['if-match']);
  const { stack, latest } = await updateStack(deps, principal, params.stackId, body, ifMatch);
  return single(stack, stackView(principal, stack, latest));
});
