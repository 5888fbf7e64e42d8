import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { memoiseAsync } from '../memoise.ts';
import { traced } from '../observability.ts';

/** One SQS client per container; the endpoint comes from AWS_ENDPOINT_URL when set, as on every client. */
export const sqs = traced(new SQSClient({ maxAttempts: 3 }));

/**
 * A queue bound by name (its URL is resolved once per container): stacks can grant on a queue
 * they did not create, by its name and ARN, without a cross-stack reference.
 */
export function queueByName(name: string) {
  const url = memoiseAsync(async () => {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (out.QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
    return out.QueueUrl;
  });
  return {
    async send(body: Readonly<Record<string, unknown>>): Promise<void> {
      await sqs.send(new SendMessageCommand({ QueueUrl: await url(), MessageBody: JSON.stringify(body) }));
    },
  };
}
