import { httpHandler } from '#shared/http/pipeline.ts';
import { consentWriteDeps } from '../../compose/gdpr-consents.ts';
import { recordConsent as route } from '../consent-routes.ts';
import { recordConsent } from '../use-cases/consents.ts';

const deps = consentWriteDeps();

export const handler = httpHandler(route, async ({ principal, body, headers, correlationId, event }) => {
  const client = {
    ip: event.requestContext?.identity?.sourceIp ?? null,
    userAgent: headers['user-agent'] ?? null,
    correlationId,
  };
  return { status: 201, body: await recordConsent(deps, principal, body, client) };
});
