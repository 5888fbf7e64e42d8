import { httpHandler } from '#shared/http/pipeline.ts';
import { consentReadDeps } from '../../compose/gdpr-consents.ts';
import { checkConsent as route } from '../consent-routes.ts';
import { checkConsent } from '../use-cases/consents.ts';

const deps = consentReadDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => ({
  body: await checkConsent(deps, principal, params.userId, query),
}));
