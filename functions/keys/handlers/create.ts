import { httpHandler } from '#shared/http/pipeline.ts';
import { createKeyDeps } from '../../compose/keys-create.ts';
import { createKey as route } from '../routes.ts';
import { createKey } from '../use-cases/create.ts';

const deps = createKeyDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId, event }) => {
  const ip = event.requestContext?.identity?.sourceIp ?? null;
  return { status: 201, body: await createKey(deps, principal, body, correlationId, ip) };
});
