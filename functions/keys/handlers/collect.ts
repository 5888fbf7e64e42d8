import { httpHandler } from '#shared/http/pipeline.ts';
import { collectKeyDeps } from '../../compose/keys-step-up.ts';
import { collectRotatedSecret as route } from '../routes.ts';
import { collectRotatedSecret } from '../use-cases/collect.ts';

const deps = collectKeyDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId, event }) => {
  const ip = event.requestContext?.identity?.sourceIp ?? null;
  return { body: await collectRotatedSecret(deps, principal, params.keyId, body, correlationId, ip) };
});
