import { httpHandler } from '#shared/http/pipeline.ts';
import { keyStepUpDeps } from '../../compose/keys-step-up.ts';
import { createKey as route } from '../routes.ts';
import { createKey } from '../use-cases/create.ts';

const deps = keyStepUpDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId, event }) => {
  const ip = event.requestContext?.identity?.sourceIp ?? null;
  return { status: 201, body: await createKey(deps, principal, body, correlationId, ip) };
});
