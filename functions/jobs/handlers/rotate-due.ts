import { scheduledHandler } from '#shared/scheduled.ts';
import { rotateDueDeps } from '../deps.ts';
import { ROTATE_DUE_JOB, rotateDue } from '../use-cases/rotate-due.ts';

const deps = rotateDueDeps();

/** EventBridge, daily (jobs.schedules.rotateDue): rotates the signing keys and API keys that are due. */
export const handler = scheduledHandler(ROTATE_DUE_JOB, (context) => rotateDue(deps, context));
