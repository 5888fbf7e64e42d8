import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { getRedis } from '#shared/clients/redis.ts';
import { HEALTH_KEY } from '#shared/store/table-keys.ts';
import type { Probe } from './checks.ts';

/**
 * A data-plane read of one well-known key: cheap, and proves the table answers (DescribeTable
 * would be a control-plane call with a low account-wide rate limit). Every table has the `pk`/`sk`
 * key schema, so the key fits each.
 */
export function dynamoProbe(tableName: string, name = 'dynamodb'): Probe {
  return {
    name,
    run: (abortSignal) =>
      dynamo.send(new GetCommand({ TableName: tableName, Key: HEALTH_KEY }), { abortSignal }),
  };
}

export const redisProbe: Probe = { name: 'redis', run: async () => (await getRedis()).ping() };
