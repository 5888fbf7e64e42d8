import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../observability.ts';

/** One SNS client per container; the endpoint comes from AWS_ENDPOINT_URL when set, as on every client. */
export const sns = traced(new SNSClient({ maxAttempts: 3 }));

/** Publishes one message to a topic; returns its message id. */
export async function publish(topicArn: string, subject: string, message: string): Promise<string> {
  // SNS refuses subjects over 100 characters or with line breaks.
  const safeSubject = subject.replace(/[\r\n]+/g, ' ').slice(0, 100);
  const out = await sns.send(
    new PublishCommand({ TopicArn: topicArn, Subject: safeSubject, Message: message }),
  );
  return out.MessageId ?? '';
}
