import { httpHandler } from '#shared/http/pipeline.ts';
import { alertsDeps } from '../deps.ts';
import { monitoringAlerts as route } from '../routes.ts';
import { activeAlerts } from '../use-cases/alerts.ts';

const deps = await alertsDeps();

export const handler = httpHandler(route, async () => ({ body: await activeAlerts(deps) }));
