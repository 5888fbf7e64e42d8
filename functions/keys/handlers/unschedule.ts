import { httpHandler } from '#shared/http/pipeline.ts';
import { keyDeps } from '../deps.ts';
import { unscheduleRotation as route } from '../routes.ts';
import { setRotationSchedule } from '../use-cases/schedule.ts';

const deps = keyDeps();

export const handler = httpHandler(route, async ({ principal, params, correlationId }) => {
  await setRotationSchedule(deps, principal, params.keyId, null, correlationId);
  return {};
});
