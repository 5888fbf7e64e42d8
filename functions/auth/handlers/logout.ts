import { BadRequestError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { logout as route } from '../routes.ts';
import { revokeOwnSession } from '../use-cases/sessions.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, correlationId }) => {
  if (principal.sessionId === null)
    throw new BadRequestError('Only a session (JWT) login can log out; API keys are revoked instead.');
  await revokeOwnSession(deps, principal.id, principal.sessionId, 'logout', correlationId);
  return {};
});
