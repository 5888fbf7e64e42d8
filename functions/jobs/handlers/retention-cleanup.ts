import { scheduledHandler } from '#shared/scheduled.ts';
import { retentionCleanupDeps } from '../deps.ts';
import { RETENTION_CLEANUP_JOB, retentionCleanup } from '../use-cases/retention-cleanup.ts';

const deps = await retentionCleanupDeps();

/** EventBridge, daily (jobs.schedules.retentionCleanup): personal data past its retention class goes. */
export const handler = scheduledHandler(RETENTION_CLEANUP_JOB, (context) => retentionCleanup(deps, context));
