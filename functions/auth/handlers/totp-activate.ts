import { NotFoundError, UnauthorizedError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { totpActivate as route } from '../routes.ts';
import { activateTotp } from '../use-cases/second-factor.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId }) => {
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  const backupCodes = await activateTotp(deps, user, body.code, correlationId);
  if (!backupCodes) throw new UnauthorizedError('The code is incorrect.', 'invalid-second-factor');
  return { body: { backupCodes } };
});
