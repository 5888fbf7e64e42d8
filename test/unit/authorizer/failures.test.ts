/**
 * The authorizer counts its failures itself: API Gateway needs a thrown `Unauthorized` for a 401,
 * which Lambda counts as an error, so the failure alarm (`ApiAlarms.monitorAuthorizer`) watches
 * `AuthorizerFailures` rather than the function's `Errors`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { powertoolsEnvironment } from '#shared/config/powertools.ts';
import { lambdaContext } from '../../support/apigw.ts';
import { functionEnvironment } from '../../support/function-env.ts';

// Before the handler's module init: a deployed function's environment (as FeatureFunction sets
// it), metrics on, logs silent.
Object.assign(
  process.env,
  functionEnvironment(),
  powertoolsEnvironment({ serviceName: 'nimbus-auth', logLevel: 'ERROR', tracing: false, logSampleRate: 0 }),
  { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'false' },
);
const { handler } = await import('#functions/authorizer/handlers/authorizer.ts');
const { AUTHORIZER_FAILURE_METRIC } = await import('#shared/observability.ts');

function event(headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/local/GET/v1/me',
    resource: '/v1/me',
    path: '/v1/me',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: {},
    pathParameters: {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

/** EMF documents written to stdout while `run` runs that carry `metric`. */
async function emitted(metric: string, run: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(...String(chunk).split('\n'));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return lines
    .filter((line) => line.includes(`"${metric}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A well-formed ES256 token: checking it needs the signing keys, which the placeholder secret ARN cannot give. */
const wellFormedToken = [
  b64({ alg: 'ES256', typ: 'JWT', kid: 'k-2026-01-01' }),
  b64({ sub: 'user-1', iss: 'https://nimbus.dev/local', aud: 'nimbus-api', exp: 4_102_444_800 }),
  Buffer.alloc(64, 1).toString('base64url'),
].join('.');

describe('authorizer failures', () => {
  it('counts no failure for a refused credential (a thrown Unauthorized, 401)', async () => {
    const points = await emitted(AUTHORIZER_FAILURE_METRIC.name, () =>
      assert.rejects(handler(event({}), lambdaContext()), /^Error: Unauthorized$/),
    );
    assert.equal(points.length, 0);
  });

  it('counts one AuthorizerFailures point (service authorizer) when a dependency fails, and rethrows', async () => {
    const points = await emitted(AUTHORIZER_FAILURE_METRIC.name, () =>
      assert.rejects(
        handler(event({ authorization: `Bearer ${wellFormedToken}` }), lambdaContext()),
        (error: Error) => error.message !== 'Unauthorized',
      ),
    );
    assert.equal(points.length, 1);
    const [point] = points;
    assert.ok(point);
    assert.equal(point[AUTHORIZER_FAILURE_METRIC.name], 1);
    assert.equal(point.service, AUTHORIZER_FAILURE_METRIC.service);
    // The stage dimension the alarm selects by (its value is the build's: none here).
    assert.equal(typeof point.stage, 'string');
    const directives = (point._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics;
    assert.equal(directives[0]?.Namespace, 'Nimbus');
  });
});
