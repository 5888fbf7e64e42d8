import { scheduledHandler } from '#shared/scheduled.ts';
import { expiryWatchDeps } from '../deps.ts';
import { EXPIRY_WATCH_JOB, expiryWatch } from '../use-cases/expiry-watch.ts';

const deps = await expiryWatchDeps();

/** EventBridge, daily (jobs.schedules.expiryWatch): warns about keys expiring or overdue for rotation. */
export const handler = scheduledHandler(EXPIRY_WATCH_JOB, (context) => expiryWatch(deps, context));
