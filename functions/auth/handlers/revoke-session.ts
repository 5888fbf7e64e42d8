import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { revokeSession as route } from '../routes.ts';
import { revokeOwnSession } from '../use-cases/sessions.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, params, correlationId }) => {
  await revokeOwnSession(deps, principal.id, params.sessionId, 'user-revoked', correlationId);
  return {};
});
