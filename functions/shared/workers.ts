import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger, metrics } from './observability.ts';
import { loggableError } from './redact.ts';

/**
 * Entries of functions that are not behind the API: state machine tasks and queue workers. Both
 * log with the Lambda context, flush metrics, and carry the correlation id their input brings.
 */

/** A Step Functions task: the input object in, the result object out; a throw fails the task (and is retried by the machine). */
export function taskHandler<I extends object, O>(task: string, run: (input: I) => Promise<O>) {
  return middy<I, O>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .handler(async (input) => {
      const correlationId = (input as { correlationId?: unknown }).correlationId;
      logger.appendKeys({
        task,
        ...(typeof correlationId === 'string' ? { correlation_id: correlationId } : {}),
      });
      try {
        return await run(input);
      } catch (error) {
        logger.error('task failed', { task, error: loggableError(error) });
        throw error;
      }
    });
}

/**
 * An SQS worker with partial batch failure: each message is handled alone; the ones that throw are
 * returned as failures, so only they come back (and after the queue's receive limit, go to its DLQ).
 */
export function sqsBatchHandler<M>(worker: string, handle: (message: M) => Promise<void>) {
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        try {
          const message = JSON.parse(record.body) as M & { correlationId?: unknown };
          if (typeof message.correlationId === 'string')
            logger.appendKeys({ correlation_id: message.correlationId });
          await handle(message);
        } catch (error) {
          logger.error('message failed', {
            worker,
            messageId: record.messageId,
            error: loggableError(error),
          });
          metrics.addMetric('WorkerFailures', 'Count', 1);
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    });
}
