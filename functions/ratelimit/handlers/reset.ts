import { httpHandler } from '#shared/http/pipeline.ts';
import { rateLimitResetDeps } from '../deps.ts';
import { resetLimit as route } from '../routes.ts';
import { resetLimit } from '../use-cases/reset.ts';

const deps = rateLimitResetDeps();

export const handler = httpHandler(route, async ({ params, principal, correlationId }) => {
  await resetLimit(deps, principal.id, params, correlationId);
  return {};
});
