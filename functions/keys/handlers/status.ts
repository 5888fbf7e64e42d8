import { httpHandler } from '#shared/http/pipeline.ts';
import { keyReadDeps } from '../deps.ts';
import { keyStatus as route } from '../routes.ts';
import { statusOwner } from '../use-cases/access.ts';
import { keyStatus } from '../use-cases/status.ts';

const deps = keyReadDeps();

export const handler = httpHandler(route, async ({ principal, query }) => ({
  body: { items: await keyStatus(deps, statusOwner(principal, query.ownerId), deps.now()) },
}));
