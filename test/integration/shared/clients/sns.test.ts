import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { publish, sns } from '#shared/clients/sns.ts';

// The emulator's SNS, reached the way functions reach it (AWS_ENDPOINT_URL): a topic with an SQS
// subscriber shows what a publish really delivers.
const sqs = new SQSClient({});
const name = `nimbus-sns-it-${Date.now()}`;
let topicArn = '';
let queueUrl = '';

before(async () => {
  topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: attributes.Attributes?.QueueArn ?? '',
      Attributes: { RawMessageDelivery: 'false' },
    }),
  );
});

after(async () => {
  if (topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
  if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

describe('SNS publish against the emulator', () => {
  it('delivers a published subject and body to the topic subscribers', async () => {
    const body = 'line one\nline two & <three>';

    const messageId = await publish(topicArn, 'Nimbus test: 1 key(s)\nexpiring', body);

    assert.ok(messageId.length > 0);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }),
    );
    const envelope = JSON.parse(received.Messages?.[0]?.Body ?? '{}') as {
      Subject?: string;
      Message?: string;
    };
    assert.equal(envelope.Message, body);
    assert.equal(
      envelope.Subject,
      'Nimbus test: 1 key(s) expiring',
      'line breaks, which SNS refuses, are gone',
    );
  });

  it('throws for a topic that does not exist', async () => {
    await assert.rejects(publish(`${topicArn}-missing`, 's', 'b'));
  });
});
