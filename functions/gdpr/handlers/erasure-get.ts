import { gdprDeps } from '#functions/compose/gdpr.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { getErasure as route } from '../routes.ts';
import { readErasure } from '../use-cases/erasures.ts';

const deps = gdprDeps();

export const handler = httpHandler(route, async ({ principal, params }) => ({
  status: 200,
  body: await readErasure(deps, principal, params.erasureId),
}));
