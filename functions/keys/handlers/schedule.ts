import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { scheduleRotation as route } from '../routes.ts';
import { setRotationSchedule } from '../use-cases/schedule.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal, params, body, correlationId }) => ({
  body: await setRotationSchedule(deps, principal, params.keyId, body.everyDays, correlationId),
}));
