import { NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { totpEnroll as route } from '../routes.ts';
import { enrollTotp } from '../use-cases/second-factor.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal }) => {
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  return { body: await enrollTotp(deps, user) };
});
