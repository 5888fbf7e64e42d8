import { etagHeader } from '#shared/http/concurrency.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackVersionGet as route } from '../catalog-routes.ts';
import { stackVersionView } from '../catalog-views.ts';
import { getStackVersion } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params }) => {
  const { stack, version } = await getStackVersion(deps, principal, params.stackId, params.version);
  // A version never changes: its number is its validator.
  return { body: stackVersionView(principal, version, stack), headers: etagHeader(version.version) };
});
