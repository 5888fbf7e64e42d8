import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { type CursorKey, decodeCursor, encodeCursor, type Page } from '#shared/http/pagination.ts';
import {
  applicationByStackKey,
  applicationKey,
  applicationsOfStack,
  environmentByOrgKey,
  environmentKey,
  environmentsOfOrg,
  type Gsi1Key,
  organizationKey,
  stackByOrgKey,
  stackKey,
  stacksOfOrg,
  stackVersionKey,
  stackVersionsOf,
  type TableKey,
  targetByEnvironmentKey,
  targetKey,
  targetsOfEnvironment,
} from '#shared/store/table-keys.ts';
import type { Application, Environment, Organization, Stack, StackVersion, Target } from '../domain/model.ts';
import type { StackVersionReader } from './deployments.ts';

export interface PageRequest {
  readonly limit: number;
  /** The opaque cursor a previous page returned; a foreign or malformed one is `InvalidInputError`. */
  readonly cursor?: string | undefined;
}

/** What an update may change, besides `updatedAt` (the store bumps `revision`). */
export type OrganizationChange = Partial<
  Pick<Organization, 'name' | 'notificationUrl' | 'notificationSecret'>
>;
export type TargetChange = Partial<
  Pick<Target, 'name' | 'kind' | 'driver' | 'endpoint' | 'credentialsSecret'>
>;
export type StackChange = Partial<Pick<Stack, 'name' | 'description'>>;

/**
 * The catalog (organisations, environments, targets, stacks with their versions, applications)
 * in the app table. Creates are conditional puts (never overwrite); updates are conditional on the
 * revision the caller read (`revision = :expected`, then +1) and return `undefined` when it
 * changed meanwhile, so a lost race is seen, never a lost update.
 */
export interface CatalogStore extends StackVersionReader {
  /** `false` when the organisation already exists. */
  createOrganization(org: Organization): Promise<boolean>;
  getOrganization(orgId: string): Promise<Organization | undefined>;
  updateOrganization(
    orgId: string,
    expectedRevision: number,
    change: OrganizationChange,
    updatedAt: string,
  ): Promise<Organization | undefined>;

  createEnvironment(environment: Environment): Promise<void>;
  getEnvironment(envId: string): Promise<Environment | undefined>;
  listEnvironments(orgId: string, page: PageRequest): Promise<Page<Environment>>;

  createTarget(target: Target): Promise<void>;
  getTarget(targetId: string): Promise<Target | undefined>;
  listTargets(envId: string, page: PageRequest): Promise<Page<Target>>;
  updateTarget(
    targetId: string,
    expectedRevision: number,
    change: TargetChange,
    updatedAt: string,
  ): Promise<Target | undefined>;
  /** Idempotent. */
  deleteTarget(targetId: string): Promise<void>;

  /** The stack and its version 1, in one transaction. */
  createStack(stack: Stack, first: StackVersion): Promise<void>;
  getStack(stackId: string): Promise<Stack | undefined>;
  listStacks(orgId: string, page: PageRequest): Promise<Page<Stack>>;
  /**
   * Writes `version` (which must be `latestVersion + 1` of the stack at `expectedRevision`) and
   * moves the stack to it, in one transaction; `undefined` when the stack changed meanwhile.
   */
  addStackVersion(
    stackId: string,
    expectedRevision: number,
    version: StackVersion,
    change: StackChange,
  ): Promise<Stack | undefined>;
  /** Newest first. */
  listVersions(stackId: string, page: PageRequest): Promise<Page<StackVersion>>;

  createApplication(application: Application): Promise<void>;
  getApplication(appId: string): Promise<Application | undefined>;
  listApplications(stackId: string, page: PageRequest): Promise<Page<Application>>;
  /** Idempotent. */
  deleteApplication(appId: string): Promise<void>;
}

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'entity'] as const;

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (item === undefined) return undefined;
  const rest: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) delete rest[name];
  return rest as T;
}

const conditionFailed = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;

/** A collection listed through GSI1: its partition, its sort-key prefix, and its items' own key. */
interface Gsi1Collection {
  readonly gsi1pk: string;
  readonly gsi1skPrefix: string;
  /** Every item of these collections has `pk` = its `gsi1sk` and this fixed `sk`. */
  readonly itemSk: string;
}

/**
 * A GSI1 cursor is exactly the four key attributes of an item of this collection: anything else
 * (another partition, another org's, another kind of item) is refused before DynamoDB sees it.
 */
const gsi1CursorOf = (collection: Gsi1Collection) => (key: CursorKey) =>
  Object.keys(key).length === 4 &&
  key.gsi1pk === collection.gsi1pk &&
  typeof key.gsi1sk === 'string' &&
  key.gsi1sk.startsWith(collection.gsi1skPrefix) &&
  key.gsi1sk.length > collection.gsi1skPrefix.length &&
  key.pk === key.gsi1sk &&
  key.sk === collection.itemSk;

export function dynamoCatalogStore(tableName: string): CatalogStore {
  const table = { TableName: tableName };

  async function create(key: TableKey, gsi: Gsi1Key | undefined, entity: string, record: object) {
    await dynamo.send(
      new PutCommand({
        ...table,
        Item: { ...key, ...gsi, entity, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async function get<T>(key: TableKey): Promise<T | undefined> {
    const out = await dynamo.send(new GetCommand({ ...table, Key: key, ConsistentRead: true }));
    return strip<T>(out.Item);
  }

  async function listGsi1<T>(collection: Gsi1Collection, page: PageRequest): Promise<Page<T>> {
    const start = decodeCursor(page.cursor, gsi1CursorOf(collection));
    const out = await dynamo.send(
      new QueryCommand({
        ...table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': collection.gsi1pk, ':prefix': collection.gsi1skPrefix },
        Limit: page.limit,
        ExclusiveStartKey: start,
      }),
    );
    return {
      items: (out.Items ?? []).map((item) => strip<T>(item) as T),
      cursor: encodeCursor(out.LastEvaluatedKey),
    };
  }

  /** `SET` of every defined member of `change`, `updatedAt` and `revision + 1`, if the revision is still `expected`. */
  function revisionUpdate(
    key: TableKey,
    expectedRevision: number,
    change: Readonly<Record<string, unknown>>,
    updatedAt: string,
  ) {
    const fields = Object.entries({ ...change, updatedAt }).filter(([, value]) => value !== undefined);
    const names: Record<string, string> = { '#revision': 'revision' };
    const values: Record<string, unknown> = { ':expected': expectedRevision, ':one': 1 };
    const sets = fields.map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    return {
      ...table,
      Key: key,
      UpdateExpression: `SET ${[...sets, '#revision = #revision + :one'].join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #revision = :expected',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }

  async function update<T>(
    key: TableKey,
    expectedRevision: number,
    change: Readonly<Record<string, unknown>>,
    updatedAt: string,
  ): Promise<T | undefined> {
    try {
      const out = await dynamo.send(
        new UpdateCommand({
          ...revisionUpdate(key, expectedRevision, change, updatedAt),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<T>(out.Attributes);
    } catch (error) {
      if (conditionFailed(error)) return undefined;
      throw error;
    }
  }

  return {
    async createOrganization(org) {
      try {
        await create(organizationKey(org.id), undefined, 'organization', org);
        return true;
      } catch (error) {
        if (conditionFailed(error)) return false;
        throw error;
      }
    },
    getOrganization: (orgId) => get<Organization>(organizationKey(orgId)),
    updateOrganization: (orgId, expected, change, updatedAt) =>
      update<Organization>(organizationKey(orgId), expected, change, updatedAt),

    createEnvironment: (env) =>
      create(environmentKey(env.id), environmentByOrgKey(env.orgId, env.id), 'environment', env),
    getEnvironment: (envId) => get<Environment>(environmentKey(envId)),
    listEnvironments: (orgId, page) =>
      listGsi1<Environment>({ ...environmentsOfOrg(orgId), itemSk: environmentKey('-').sk }, page),

    createTarget: (target) =>
      create(targetKey(target.id), targetByEnvironmentKey(target.environmentId, target.id), 'target', target),
    getTarget: (targetId) => get<Target>(targetKey(targetId)),
    listTargets: (envId, page) =>
      listGsi1<Target>({ ...targetsOfEnvironment(envId), itemSk: targetKey('-').sk }, page),
    updateTarget: (targetId, expected, change, updatedAt) =>
      update<Target>(targetKey(targetId), expected, change, updatedAt),
    async deleteTarget(targetId) {
      await dynamo.send(new DeleteCommand({ ...table, Key: targetKey(targetId) }));
    },

    async createStack(stack, first) {
      await dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                ...table,
                Item: {
                  ...stackKey(stack.id),
                  ...stackByOrgKey(stack.orgId, stack.id),
                  entity: 'stack',
                  ...stack,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                ...table,
                Item: { ...stackVersionKey(stack.id, first.version), entity: 'stack-version', ...first },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    },
    getStack: (stackId) => get<Stack>(stackKey(stackId)),
    listStacks: (orgId, page) => listGsi1<Stack>({ ...stacksOfOrg(orgId), itemSk: stackKey('-').sk }, page),
    async addStackVersion(stackId, expectedRevision, version, change) {
      if (version.stackId !== stackId) throw new Error('a stack version belongs to its stack');
      const bump = revisionUpdate(
        stackKey(stackId),
        expectedRevision,
        { ...change, latestVersion: version.version },
        version.createdAt,
      );
      try {
        await dynamo.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  ...bump,
                  // The version written is the one after the stack's latest: never a gap, never twice.
                  ConditionExpression: `${bump.ConditionExpression} AND #latest = :previous`,
                  ExpressionAttributeNames: { ...bump.ExpressionAttributeNames, '#latest': 'latestVersion' },
                  ExpressionAttributeValues: {
                    ...bump.ExpressionAttributeValues,
                    ':previous': version.version - 1,
                  },
                },
              },
              {
                Put: {
                  ...table,
                  Item: { ...stackVersionKey(stackId, version.version), entity: 'stack-version', ...version },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (conditionFailed(error)) return undefined;
        throw error;
      }
      return get<Stack>(stackKey(stackId));
    },
    getVersion: (stackId, version) => get<StackVersion>(stackVersionKey(stackId, version)),
    async listVersions(stackId, page) {
      const { pk, skPrefix } = stackVersionsOf(stackId);
      const start = decodeCursor(
        page.cursor,
        (key) =>
          Object.keys(key).length === 2 &&
          key.pk === pk &&
          typeof key.sk === 'string' &&
          /^VERSION#\d{6}$/.test(key.sk),
      );
      const out = await dynamo.send(
        new QueryCommand({
          ...table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ScanIndexForward: false,
          Limit: page.limit,
          ExclusiveStartKey: start,
        }),
      );
      return {
        items: (out.Items ?? []).map((item) => strip<StackVersion>(item) as StackVersion),
        cursor: encodeCursor(out.LastEvaluatedKey),
      };
    },

    createApplication: (app) =>
      create(applicationKey(app.id), applicationByStackKey(app.stackId, app.id), 'application', app),
    getApplication: (appId) => get<Application>(applicationKey(appId)),
    listApplications: (stackId, page) =>
      listGsi1<Application>({ ...applicationsOfStack(stackId), itemSk: applicationKey('-').sk }, page),
    async deleteApplication(appId) {
      await dynamo.send(new DeleteCommand({ ...table, Key: applicationKey(appId) }));
    },
  };
}
