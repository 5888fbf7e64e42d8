import { exportRequestDeps } from '#functions/compose/gdpr.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { createExport as route } from '../routes.ts';
import { requestExport } from '../use-cases/exports.ts';

const deps = exportRequestDeps();

export const handler = httpHandler(route, async ({ principal, body, correlationId }) => ({
  status: 202,
  body: await requestExport(deps, principal, body.userId, correlationId),
}));
