import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { createKey as route } from '../routes.ts';
import { createKey } from '../use-cases/create.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId }) => ({
  status: 201,
  body: await createKey(deps, principal, body, correlationId),
}));
