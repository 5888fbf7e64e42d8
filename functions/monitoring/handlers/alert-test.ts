import { httpHandler } from '#shared/http/pipeline.ts';
import { alertTestDeps } from '../deps.ts';
import { monitoringAlertTest as route } from '../routes.ts';
import { sendTestAlert } from '../use-cases/alerts.ts';

const deps = await alertTestDeps();

export const handler = httpHandler(route, async ({ principal, correlationId }) => ({
  status: 202,
  body: await sendTestAlert(deps, principal.id, correlationId),
}));
