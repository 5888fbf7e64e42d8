import { httpHandler } from '#shared/http/pipeline.ts';
import { rotateKeyDeps } from '../../compose/keys-step-up.ts';
import { rotateKey as route } from '../routes.ts';
import { rotateKey } from '../use-cases/rotate.ts';

const deps = rotateKeyDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId, event }) => {
  const ip = event.requestContext?.identity?.sourceIp ?? null;
  return { status: 201, body: await rotateKey(deps, principal, params.keyId, body, correlationId, ip) };
});
