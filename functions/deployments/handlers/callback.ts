import { httpHandler } from '#shared/http/pipeline.ts';
import { callbackDeps } from '../deps.ts';
import { agentCallback as route } from '../routes.ts';
import { acceptCallback } from '../use-cases/callback.ts';

const deps = callbackDeps();

export const handler = httpHandler(route, async ({ params, body, headers, event }) => {
  const rawBody =
    event.body === null
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  await acceptCallback(deps, {
    deploymentId: params.deploymentId,
    rawBody,
    timestamp: headers['x-nimbus-timestamp'],
    signature: headers['x-nimbus-signature'],
    status: body.status,
    message: body.message,
  });
  return { status: 202, body: { accepted: true } };
});
