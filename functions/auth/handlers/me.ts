import { NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { authDeps } from '../deps.ts';
import { me as route } from '../routes.ts';
import { profileOf } from '../use-cases/credentials.ts';

const deps = authDeps();

export const handler = httpHandler(route, async ({ principal }) => {
  const user = await deps.users.get(principal.id);
  if (!user) throw new NotFoundError('The account no longer exists.');
  return { body: profileOf(user) };
});
