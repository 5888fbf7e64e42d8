import { logger } from '#shared/observability.ts';
import { loggableError } from '#shared/redact.ts';
import type { JobContext } from '#shared/scheduled.ts';
import type { JobDeps } from '../deps.ts';

/** A run in which at least one step failed; thrown after the others ran and the run was recorded. */
export class JobFailedError extends Error {
  constructor(
    readonly job: string,
    readonly failedSteps: readonly string[],
  ) {
    super(`job ${job}: ${failedSteps.join(', ')} failed`);
    this.name = 'JobFailedError';
  }
}

export interface JobRun {
  /**
   * Runs one step in isolation: a failure is logged (name and redacted message only), counted as
   * `JobFailures` and remembered, and the run goes on with the next step.
   */
  step<T>(name: string, work: () => Promise<T>): Promise<T | undefined>;
  /**
   * Appends the run to the audit trail (`job:<name>`, type `job.run`), counts `JobRuns`, and
   * throws JobFailedError if any step failed, so the invocation fails where alarms see it.
   */
  finish(data: Readonly<Record<string, unknown>>): Promise<void>;
}

export function startRun(deps: JobDeps, job: string, context: JobContext): JobRun {
  const failed: string[] = [];
  const fail = (step: string, error: unknown) => {
    failed.push(step);
    deps.metric('JobFailures', 1);
    logger.error('job step failed', { job, step, error: loggableError(error) });
  };
  return {
    async step(name, work) {
      try {
        return await work();
      } catch (error) {
        fail(name, error);
        return undefined;
      }
    },
    async finish(data) {
      deps.metric('JobRuns', 1);
      try {
        await deps.events.append({
          subject: `job:${job}`,
          type: 'job.run',
          actor: `job:${job}`,
          correlationId: context.correlationId,
          data: {
            outcome: failed.length === 0 ? 'succeeded' : 'failed',
            failedSteps: [...failed],
            scheduledFor: context.now.toISOString(),
            ...data,
          },
        });
      } catch (error) {
        fail('record-run', error);
      }
      const outcome = failed.length === 0 ? 'succeeded' : 'failed';
      logger.info('job run finished', { job, outcome, failedSteps: failed, ...data });
      if (failed.length > 0) throw new JobFailedError(job, failed);
    },
  };
}
