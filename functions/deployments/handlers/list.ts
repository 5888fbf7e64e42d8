import { httpHandler } from '#shared/http/pipeline.ts';
import { deploymentReadDeps } from '../deps.ts';
import { presentDeployment } from '../present.ts';
import { listDeployments as route } from '../routes.ts';
import { listStackDeployments } from '../use-cases/deployments.ts';

const deps = deploymentReadDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const page = await listStackDeployments(deps, principal, { ...params, ...query });
  const base = `/v1/stacks/${params.stackId}/deployments`;
  return {
    body: {
      items: page.items.map((d) => presentDeployment(principal, d)),
      nextCursor: page.cursor,
      _links: {
        self: { href: base },
        stack: { href: `/v1/stacks/${params.stackId}` },
        ...(page.cursor === null
          ? {}
          : { next: { href: `${base}?limit=${query.limit}&cursor=${encodeURIComponent(page.cursor)}` } }),
      },
    },
  };
});
