import { logger } from '#shared/observability.ts';
import type { JobContext } from '#shared/scheduled.ts';
import type { JobMetric, RetentionCleanupDeps } from '../deps.ts';
import { startRun } from './run.ts';

export const RETENTION_CLEANUP_JOB = 'retention-cleanup';

const METRIC_OF = {
  sessions: 'RetentionDeletedSessions',
  exports: 'RetentionDeletedExports',
  receipts: 'RetentionDeletedReceipts',
  auditPersonal: 'RetentionDeletedAuditKeys',
} as const satisfies Record<string, JobMetric>;

/**
 * The daily retention run: deletes what is past its class (counts per class as metrics, in the
 * structured log and in the run's audit record), and raises erasures still open past the deadline
 * (a metric the overdue alarm watches, and a message on the alarm topic). Idempotent: a re-run
 * finds nothing more to delete.
 */
export async function retentionCleanup(deps: RetentionCleanupDeps, context: JobContext): Promise<void> {
  const run = startRun(deps, RETENTION_CLEANUP_JOB, context);
  const outcome = await run.step('sweep', () => deps.retention.apply(context.now));
  if (outcome) {
    for (const [klass, count] of Object.entries(outcome.deleted)) {
      deps.metric(METRIC_OF[klass as keyof typeof METRIC_OF], count);
    }
    deps.metric('ErasuresOverdue', outcome.overdueErasures.length);
    logger.info('retention applied', {
      deleted: outcome.deleted,
      overdueErasures: outcome.overdueErasures.length,
    });
    if (outcome.overdueErasures.length > 0) {
      await run.step('alert-overdue', () =>
        deps.alerts.publish(
          `[nimbus ${deps.stage}] ${outcome.overdueErasures.length} GDPR erasure(s) overdue`,
          `Erasures still open past the deadline: ${outcome.overdueErasures.join(', ')}. See the runbook: erasure overdue.`,
        ),
      );
    }
  }
  await run.finish({
    deleted: outcome?.deleted ?? null,
    overdueErasures: outcome ? outcome.overdueErasures.length : null,
  });
}
