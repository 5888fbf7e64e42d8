import { erasureRequestDeps } from '#functions/compose/gdpr.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { cancelErasure as route } from '../routes.ts';
import { cancelErasure } from '../use-cases/erasures.ts';

const deps = erasureRequestDeps();

export const handler = httpHandler(route, async ({ principal, params, correlationId }) => ({
  status: 200,
  body: await cancelErasure(deps, principal, params.erasureId, correlationId),
}));
