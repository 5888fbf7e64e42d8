import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type QueueAttributeName } from '@aws-sdk/client-sqs';
import { secretsManager } from '#shared/clients/secrets.ts';
import { sfn } from '#shared/clients/sfn.ts';
import { sqs } from '#shared/clients/sqs.ts';
import { type Probe, ProbeReport } from '#shared/health/checks.ts';
import { memoiseAsync } from '#shared/memoise.ts';

/**
 * A secret answers when its metadata can be read (DescribeSecret): the probe never reads a value.
 */
export function secretProbe(name: string, secretArn: string): Probe {
  return {
    name,
    run: async (abortSignal) => {
      await secretsManager.send(new DescribeSecretCommand({ SecretId: secretArn }), { abortSignal });
    },
  };
}

export interface QueueProbeOptions {
  /** Messages waiting there mean work that failed (a dead-letter or failure queue): degraded. */
  readonly warnWhenNotEmpty?: string;
  /** @default false: the API works while a workflow queue does not answer. */
  readonly required?: boolean;
}

/** A queue found by name; its facts are the approximate visible and in-flight message counts. */
export function queueProbe(name: string, queueName: string, options: QueueProbeOptions = {}): Probe {
  const url = memoiseAsync(async (abortSignal: AbortSignal) => {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }), { abortSignal });
    if (out.QueueUrl === undefined) throw new Error(`queue ${queueName} has no URL`);
    return out.QueueUrl;
  });
  return {
    name,
    required: options.required ?? false,
    run: async (abortSignal) => {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: await url(abortSignal),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
        { abortSignal },
      );
      const count = (attribute: QueueAttributeName) => Number(out.Attributes?.[attribute] ?? 0);
      const messages = count('ApproximateNumberOfMessages');
      const inFlight = count('ApproximateNumberOfMessagesNotVisible');
      const warning = messages > 0 ? options.warnWhenNotEmpty : undefined;
      return new ProbeReport({ messages, inFlight }, warning);
    },
  };
}

/** A state machine answers when described; any status but ACTIVE (DELETING) degrades it. */
export function stateMachineProbe(name: string, stateMachineArn: string): Probe {
  return {
    name,
    required: false,
    run: async (abortSignal) => {
      const out = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }), { abortSignal });
      const status = out.status ?? 'UNKNOWN';
      return new ProbeReport(
        { status, type: out.type ?? 'UNKNOWN' },
        status === 'ACTIVE' ? undefined : `state machine ${status.toLowerCase()}`,
      );
    },
  };
}
