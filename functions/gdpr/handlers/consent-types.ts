import { httpHandler } from '#shared/http/pipeline.ts';
import { consentTypes as route } from '../consent-routes.ts';
import { consentTypes } from '../use-cases/consents.ts';

export const handler = httpHandler(route, async () => ({ body: consentTypes() }));
