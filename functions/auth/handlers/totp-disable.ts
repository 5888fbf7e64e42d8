import { NotFoundError, UnauthorizedError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { totpDisable as route } from '../routes.ts';
import { disableTotp } from '../use-cases/second-factor.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId }) => {
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  const code = 'code' in body ? body.code : body.backupCode;
  if (!(await disableTotp(deps, user, code, correlationId))) {
    throw new UnauthorizedError('The code is incorrect or was already used.', 'invalid-second-factor');
  }
  return {};
});
