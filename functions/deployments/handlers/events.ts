import { httpHandler } from '#shared/http/pipeline.ts';
import { deploymentReadDeps } from '../deps.ts';
import { presentEvent } from '../present.ts';
import { deploymentEvents as route } from '../routes.ts';
import { followEvents } from '../use-cases/deployments.ts';

const deps = deploymentReadDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => {
  const { deployment, items } = await followEvents(deps, principal, { ...params, ...query });
  const last = items.at(-1)?.seq ?? query.after;
  const base = `/v1/deployments/${deployment.id}/events`;
  return {
    body: {
      items: items.map(presentEvent),
      status: deployment.status,
      nextCursor: String(last),
      _links: {
        self: { href: `${base}?after=${query.after}` },
        next: { href: `${base}?after=${last}&waitSeconds=${query.waitSeconds || 20}` },
        deployment: { href: `/v1/deployments/${deployment.id}` },
      },
    },
  };
});
