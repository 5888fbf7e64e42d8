import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { getRedis } from '#shared/clients/redis.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { redisSettingsFromEnv } from '#shared/config/redis.ts';
import { ServiceUnavailableError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { logger } from '#shared/observability.ts';
import { HEALTH_KEY } from '#shared/store/table-keys.ts';
import { type CheckResult, checkReadiness, type Probe } from '../domain/readiness.ts';
import { healthReady } from '../routes.ts';

const TABLE_NAME = boundResource('appTable');
const TIMEOUT_MS = redisSettingsFromEnv().healthTimeoutMs;

// A data-plane read of one well-known key: cheap, and proves the table answers (DescribeTable
// would be a control-plane call with a low account-wide rate limit).
const probes: readonly Probe[] = [
  {
    name: 'dynamodb',
    run: (abortSignal) =>
      dynamo.send(new GetCommand({ TableName: TABLE_NAME, Key: HEALTH_KEY }), {
        abortSignal,
      }),
  },
  { name: 'redis', run: async () => (await getRedis()).ping() },
];

const publicView = (checks: Readonly<Record<string, CheckResult>>) =>
  Object.fromEntries(Object.entries(checks).map(([name, { cause: _cause, ...rest }]) => [name, rest]));

export const handler = httpHandler(healthReady, async () => {
  const readiness = await checkReadiness(probes, TIMEOUT_MS);
  if (readiness.status === 'fail') {
    logger.warn('not ready', { checks: readiness.checks });
    throw new ServiceUnavailableError(`Not ready: ${readiness.failing.join(', ')} failed.`, {
      failing: readiness.failing,
      checks: publicView(readiness.checks),
    });
  }
  return { body: { status: 'ok', checks: publicView(readiness.checks) } };
});
