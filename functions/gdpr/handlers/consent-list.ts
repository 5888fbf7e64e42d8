import { httpHandler } from '#shared/http/pipeline.ts';
import { consentReadDeps } from '../../compose/gdpr-consents.ts';
import { listConsents as route } from '../consent-routes.ts';
import { consentOverview } from '../use-cases/consents.ts';

const deps = consentReadDeps();

export const handler = httpHandler(route, async ({ principal, params, query }) => ({
  body: await consentOverview(deps, principal, params.userId, { limit: query.limit, before: query.before }),
}));
