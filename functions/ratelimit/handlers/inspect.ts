import { httpHandler } from '#shared/http/pipeline.ts';
import { rateLimitAdminDeps } from '../deps.ts';
import { inspectLimit as route } from '../routes.ts';
import { inspectLimit } from '../use-cases/inspect.ts';

const deps = rateLimitAdminDeps();

export const handler = httpHandler(route, async ({ params }) => ({
  body: await inspectLimit(deps, params.scope, params.identifier),
}));
