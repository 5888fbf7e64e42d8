import { httpHandler } from '#shared/http/pipeline.ts';
import { catalogDeps } from '../catalog-deps.ts';
import { stackVersions as route } from '../catalog-routes.ts';
import { stackUpdate } from '../catalog-schemas.ts';
import { collection, paths, stackVersionView } from '../catalog-views.ts';
import { listStackVersions } from '../use-cases/stacks.ts';

const deps = catalogDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listStackVersions(deps, principal, params.stackId, query);
  // Newest first: the first item of the first page is the latest.
  const latest = { latestVersion: page.items[0]?.version ?? 0 };
  const view = (version: Parameters<typeof stackVersionView>[1]) =>
    stackVersionView(principal, version, latest);
  return {
    body: collection(principal, paths.versions(params.stackId), query, page, view, {
      body: stackUpdate,
      parent: paths.stack(params.stackId),
    }),
  };
});
