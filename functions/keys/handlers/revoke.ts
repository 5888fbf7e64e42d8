import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { revokeKey as route } from '../routes.ts';
import { revokeKey } from '../use-cases/revoke.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal, params, correlationId }) => {
  await revokeKey(deps, principal, params.keyId, correlationId);
  return {};
});
