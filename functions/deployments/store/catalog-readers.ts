import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { organizationKey, stackVersionKey, targetKey } from '#shared/store/table-keys.ts';
import type { Organization, StackVersion, Target } from '../domain/model.ts';
import type { StackVersionReader } from './deployments.ts';

/**
 * The few catalog reads the saga and the notifier make (one GetItem each, by key): the target a
 * deployment goes to, the stack version it deploys, the organisation its events notify. The
 * catalog owns these items and their writes; these readers only strip the table's keys.
 */

async function getItem<T>(tableName: string, key: { pk: string; sk: string }): Promise<T | undefined> {
  const out = await dynamo.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  if (out.Item === undefined) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...rest } = out.Item;
  return rest as T;
}

export function dynamoTargetReader(tableName: string) {
  return { get: (targetId: string) => getItem<Target>(tableName, targetKey(targetId)) };
}

export function dynamoStackVersionReader(tableName: string): StackVersionReader {
  return {
    getVersion: (stackId, version) => getItem<StackVersion>(tableName, stackVersionKey(stackId, version)),
  };
}

export function dynamoOrganizationReader(tableName: string) {
  return { get: (orgId: string) => getItem<Organization>(tableName, organizationKey(orgId)) };
}
