import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { deploymentResourceNames, gdprResourceNames } from '#lib/config/names.ts';
import { observedWorkflowsEnvironment } from '#shared/config/monitoring.ts';
import { authorizerContext, restEvent } from '../../support/apigw.ts';
import { invokeInFreshProcess } from '../../support/invoke.ts';

// The real health handler against the shared local stack: its tables, the Redis bridge, and the
// GDPR workflow's queues and state machine the GDPR stack deployed (found by name, as deployed).
const ENTRY = 'functions/monitoring/handlers/health.ts';
const CLOSED_PORT_URL = 'http://127.0.0.1:9';
const names = gdprResourceNames('local');
const deployNames = deploymentResourceNames('local');
const sqs = new SQSClient({});

interface Report {
  status: string;
  down: string[];
  degraded: string[];
  dependencies: Record<
    string,
    { status: string; required: boolean; latencyMs: number; error?: string; facts?: Record<string, unknown> }
  >;
  circuitBreakers: Record<string, { state: string }>;
}

const event = restEvent({
  path: '/v1/monitoring/health',
  resource: '/v1/monitoring/health',
  headers: { 'x-correlation-id': 'it-health-v2' },
  authorizer: authorizerContext({ id: 'it-monitor', permissions: ['monitoring:read'] }),
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  for (const name of [
    'AWS_ENDPOINT_URL',
    'APP_TABLE_NAME',
    'EVENTS_TABLE_NAME',
    'PERSONAL_KEYS_TABLE_NAME',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'SIGNING_KEYS_SECRET_ARN',
  ]) {
    if (!process.env[name]) throw new Error(`${name} must be set (source /work/stack-env.sh, or npm test)`);
  }
  return {
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    NIMBUS_HEALTH_TIMEOUT_MS: '3000',
    NIMBUS_RATE_LIMIT_ID_KEY: 'it-monitoring-health',
    ...observedWorkflowsEnvironment({
      exportQueue: names.exportQueue,
      exportDeadLetters: names.exportDeadLetters,
      erasureFailures: names.erasureFailures,
      erasureStateMachineArn: `arn:aws:states:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:stateMachine:${names.erasureStateMachine}`,
      deploymentEvents: deployNames.eventQueue,
      deploymentEventDeadLetters: deployNames.eventDeadLetters,
      deploymentStateMachineArn: `arn:aws:states:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:stateMachine:${deployNames.stateMachine}`,
    }),
    ...overrides,
  };
}

async function health(overrides: Record<string, string> = {}) {
  const res = await invokeInFreshProcess(ENTRY, event, env(overrides));
  return { res, report: JSON.parse(res.body) as Report };
}

describe('GET /v1/monitoring/health against the local stack', () => {
  let tempQueueName = '';
  let tempQueueUrl = '';

  before(async () => {
    tempQueueName = `nimbus-it-health-${randomUUID().slice(0, 8)}`;
    tempQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: tempQueueName }))).QueueUrl ?? '';
  });

  after(async () => {
    if (tempQueueUrl !== '') await sqs.send(new DeleteQueueCommand({ QueueUrl: tempQueueUrl }));
  });

  it('reports every dependency answering, with latencies, queue depths and the machine status', async () => {
    const { res, report } = await health();

    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers?.['Content-Type'], 'application/json');
    assert.deepEqual(report.down, []);
    for (const name of ['dynamodb:app', 'dynamodb:events', 'dynamodb:personalKeys', 'redis']) {
      assert.equal(
        report.dependencies[name]?.status,
        'ok',
        `${name}: ${JSON.stringify(report.dependencies[name])}`,
      );
    }
    for (const name of [
      'sqs:gdprExports',
      'sqs:gdprExportsDeadLetters',
      'sqs:gdprErasureFailures',
      'sqs:deploymentEvents',
      'sqs:deploymentEventsDeadLetters',
    ]) {
      const check = report.dependencies[name];
      assert.notEqual(check?.status, 'fail', `${name}: ${JSON.stringify(check)}`);
      assert.equal(typeof check?.facts?.messages, 'number', name);
    }
    assert.equal(report.dependencies['stepfunctions:gdprErasure']?.facts?.status, 'ACTIVE');
    assert.equal(report.dependencies['stepfunctions:deploymentSaga']?.facts?.status, 'ACTIVE');
    // Whatever earlier suites left in the failure queues may degrade it; nothing else may.
    for (const name of report.degraded) {
      const check = report.dependencies[name];
      assert.ok(
        (check?.facts?.messages ?? 0) !== 0 || check?.error === 'slow',
        `${name}: ${JSON.stringify(check)}`,
      );
    }
    assert.ok(report.status === 'ok' || report.status === 'degraded');
  });

  it('reads a dead-letter queue depth as it is, and degrades on it', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: tempQueueUrl, MessageBody: '{"n":1}' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: tempQueueUrl, MessageBody: '{"n":2}' }));

    const { res, report } = await health({ NIMBUS_OBSERVED_EXPORT_DLQ: tempQueueName });

    assert.equal(res.statusCode, 200, res.body);
    const dlq = report.dependencies['sqs:gdprExportsDeadLetters'];
    assert.equal(dlq?.status, 'degraded');
    assert.equal(dlq?.error, 'dead letters waiting');
    assert.equal(dlq?.facts?.messages, 2);
    assert.ok(report.degraded.includes('sqs:gdprExportsDeadLetters'));
    assert.equal(report.status, 'degraded');
  });

  it('is degraded, not down, when Redis is unreachable', async () => {
    const { res, report } = await health({ UPSTASH_REDIS_REST_URL: CLOSED_PORT_URL });

    assert.equal(res.statusCode, 200, res.body);
    assert.equal(report.dependencies.redis?.status, 'fail');
    assert.equal(report.dependencies.redis?.required, false);
    assert.equal(report.status, 'degraded');
    assert.ok(report.degraded.includes('redis'));
  });

  it('is degraded, not down, when a GDPR queue does not exist', async () => {
    const { res, report } = await health({
      NIMBUS_OBSERVED_EXPORT_QUEUE: `nimbus-it-missing-${randomUUID()}`,
    });

    assert.equal(res.statusCode, 200, res.body);
    assert.equal(report.dependencies['sqs:gdprExports']?.status, 'fail');
    assert.equal(report.status, 'degraded');
    assert.deepEqual(report.down, []);
  });

  it('answers 503 with the report, not a problem, when a required table is missing, naming no table', async () => {
    const missing = `nimbus-it-no-such-table-${randomUUID().slice(0, 8)}`;

    const { res, report } = await health({ EVENTS_TABLE_NAME: missing });

    assert.equal(res.statusCode, 503);
    assert.equal(res.headers?.['Content-Type'], 'application/json');
    assert.equal(report.status, 'down');
    assert.deepEqual(report.down, ['dynamodb:events']);
    assert.equal(report.dependencies['dynamodb:app']?.status, 'ok');
    assert.ok(!res.body.includes(missing), 'the table name must not reach the client');
  });

  it('probes the secrets the function is bound to, without reading them: a missing one is down', async () => {
    const bound = await health({ SIGNING_KEYS_SECRET_ARN: process.env.SIGNING_KEYS_SECRET_ARN ?? '' });
    const missing = await health({
      SIGNING_KEYS_SECRET_ARN: `nimbus-it-no-such-secret-${randomUUID().slice(0, 8)}`,
    });

    assert.equal(bound.report.dependencies['secretsmanager:signingKeysSecret']?.status, 'ok', bound.res.body);
    assert.equal(missing.res.statusCode, 503);
    assert.deepEqual(missing.report.down, ['secretsmanager:signingKeysSecret']);
    assert.equal(missing.report.dependencies['secretsmanager:signingKeysSecret']?.required, true);
  });

  it('lists the rate limiter breaker of the container that answered', async () => {
    const { report } = await health();

    assert.equal(report.circuitBreakers['ratelimit:redis']?.state, 'closed');
  });
});

// The queue the export route sends to really exists under the name the health route probes.
describe('GDPR resource names on the local stack', () => {
  it('finds the export queue, its DLQ and the erasure failure queue by name', async () => {
    for (const name of [names.exportQueue, names.exportDeadLetters, names.erasureFailures]) {
      const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      assert.ok(out.QueueUrl, name);
    }
  });
});
