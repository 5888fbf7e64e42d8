import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger, metrics } from './observability.ts';

/** What a scheduled run knows about itself. */
export interface JobContext {
  /**
   * The time the rule fired for (the event's `time`), not the time the function started: a
   * retried run belongs to the same schedule slot, and so to the same day, as the first attempt.
   */
  readonly now: Date;
  /** The EventBridge event id: one per firing, the same on Lambda's retries of it. */
  readonly correlationId: string;
}

function scheduledFor(event: Partial<ScheduledEvent>): Date {
  const at = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isNaN(at) ? new Date() : new Date(at);
}

/**
 * The Lambda entry of a scheduled job: Powertools context in the logs, metrics flushed after the
 * run with a `job` dimension, and whatever `run` throws left to fail the invocation, so that
 * Lambda's own error metric (and the alarm on it) and EventBridge's retries see it.
 */
export function scheduledHandler(job: string, run: (context: JobContext) => Promise<unknown>) {
  return middy<Partial<ScheduledEvent>, unknown>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      metrics.addDimension('job', job);
      const context: JobContext = {
        now: scheduledFor(event),
        correlationId: typeof event.id === 'string' && event.id !== '' ? event.id : `${job}-${Date.now()}`,
      };
      logger.appendKeys({ job, correlationId: context.correlationId });
      return run(context);
    });
}
