import { NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { totpEnroll as route } from '../routes.ts';
import { enrollTotp } from '../use-cases/totp-enrolment.ts';
import { clientMeta } from './client-meta.ts';

const deps = authDeps();

export const handler = httpHandler(route, async (request) => {
  const { principal, body } = request;
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  const { ip, correlationId } = clientMeta(request);
  return {
    body: await enrollTotp(deps, user, { caller: principal, password: body?.password, ip, correlationId }),
  };
});
