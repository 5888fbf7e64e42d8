import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invokeInFreshProcess } from '../support/invoke.ts';
import { type RedisSandbox, startRedisSandbox } from '../support/redis-sandbox.ts';

// Runs the real readiness handler against the real emulator (DynamoDB) and the real Redis behind
// the Upstash bridge, then with each dependency pointed at a closed port.
const ENTRY = 'functions/platform/handlers/health-ready.ts';
const CLOSED_PORT_URL = 'http://127.0.0.1:9'; // discard port: nothing listens there

const event = {
  resource: '/health/ready',
  path: '/health/ready',
  httpMethod: 'GET',
  headers: { 'x-correlation-id': 'it-ready-1' },
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  requestContext: { requestId: 'it-ready', stage: 'local', path: '/local/health/ready', httpMethod: 'GET' },
  body: null,
  isBase64Encoded: false,
};

function env(overrides: Record<string, string>): Record<string, string> {
  const need = ['AWS_ENDPOINT_URL', 'APP_TABLE_NAME', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'];
  for (const name of need) {
    if (!process.env[name]) throw new Error(`${name} must be set (run through npm test)`);
  }
  return {
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    NIMBUS_HEALTH_TIMEOUT_MS: '1500',
    // The route is rate-limited (`global`): its identifiers are hashed under this key.
    NIMBUS_RATE_LIMIT_ID_KEY: 'it-health-ready',
    ...overrides,
  };
}

describe('GET /health/ready against the real dependencies', () => {
  it('answers 200 with both checks ok when DynamoDB and Redis answer', async () => {
    const res = await invokeInFreshProcess(ENTRY, event, env({}));

    assert.equal(res.statusCode, 200, res.body);
    const body = JSON.parse(res.body) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(body.status, 'ok');
    assert.equal(body.checks.dynamodb?.status, 'ok');
    assert.equal(body.checks.redis?.status, 'ok');
  });

  it('answers 503 naming redis when Redis is unreachable, DynamoDB still ok', async () => {
    const res = await invokeInFreshProcess(ENTRY, event, env({ UPSTASH_REDIS_REST_URL: CLOSED_PORT_URL }));

    assert.equal(res.statusCode, 503);
    assert.equal(res.headers?.['Content-Type'], 'application/problem+json');
    const body = JSON.parse(res.body) as {
      failing: string[];
      checks: Record<string, { status: string }>;
      correlationId: string;
    };
    assert.deepEqual(body.failing, ['redis']);
    assert.equal(body.checks.dynamodb?.status, 'ok');
    assert.equal(body.correlationId, 'it-ready-1');
  });

  it('answers 503 naming dynamodb when DynamoDB is unreachable', async () => {
    const res = await invokeInFreshProcess(ENTRY, event, env({ AWS_ENDPOINT_URL: CLOSED_PORT_URL }));

    assert.equal(res.statusCode, 503);
    const body = JSON.parse(res.body) as { failing: string[]; checks: Record<string, { status: string }> };
    assert.deepEqual(body.failing, ['dynamodb']);
    assert.equal(body.checks.redis?.status, 'ok');
  });

  it('answers 503 naming dynamodb when the table does not exist, without leaking the cause', async () => {
    const res = await invokeInFreshProcess(ENTRY, event, env({ APP_TABLE_NAME: 'nimbus-no-such-table' }));

    assert.equal(res.statusCode, 503);
    assert.ok(!res.body.includes('nimbus-no-such-table'), 'the table name must not reach the client');
    assert.deepEqual((JSON.parse(res.body) as { failing: string[] }).failing, ['dynamodb']);
  });
});

describe('GET /health/ready while Redis stops and comes back', () => {
  let sandbox: RedisSandbox;

  before(async () => {
    sandbox = await startRedisSandbox();
  });

  after(async () => {
    await sandbox.close();
  });

  it('reports redis down with 503 while it is stopped and ok again once it returns', async () => {
    const redisEnv = () =>
      env({ UPSTASH_REDIS_REST_URL: sandbox.url, UPSTASH_REDIS_REST_TOKEN: sandbox.token });
    assert.equal((await invokeInFreshProcess(ENTRY, event, redisEnv())).statusCode, 200);

    await sandbox.stopRedis();
    let down: Awaited<ReturnType<typeof invokeInFreshProcess>>;
    try {
      down = await invokeInFreshProcess(ENTRY, event, redisEnv());
    } finally {
      await sandbox.startRedis();
    }
    const back = await invokeInFreshProcess(ENTRY, event, redisEnv());

    assert.equal(down.statusCode, 503);
    assert.deepEqual((JSON.parse(down.body) as { failing: string[] }).failing, ['redis']);
    assert.equal(back.statusCode, 200, back.body);
  });
});
