import { erasureRequestDeps } from '#functions/compose/gdpr.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { createErasure as route } from '../routes.ts';
import { requestErasure } from '../use-cases/erasures.ts';

const deps = erasureRequestDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId }) => ({
  status: 202,
  body: await requestErasure(deps, principal, body, correlationId),
}));
