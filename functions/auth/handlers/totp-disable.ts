import { NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { totpDisable as route } from '../routes.ts';
import { disableTotp } from '../use-cases/second-factor.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => {
  const { principal, body } = request;
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  const code = 'code' in body ? body.code : body.backupCode;
  const { ip, correlationId } = clientMeta(request);
  await disableTotp(deps, user, code, { caller: principal, password: body.password, ip, correlationId });
  return {};
});
