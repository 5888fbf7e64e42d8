import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Environment, Stack, StackVersion, Target } from '#functions/deployments/domain/model.ts';
import { dynamoCatalogStore } from '#functions/deployments/store/catalog.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { InvalidInputError } from '#shared/domain-errors.ts';
import { encodeCursor } from '#shared/http/pagination.ts';
import {
  environmentKey,
  organizationKey,
  stackKey,
  stackVersionKey,
  type TableKey,
  targetKey,
} from '#shared/store/table-keys.ts';
import { APP_TABLE } from '../support/tables.ts';

const store = dynamoCatalogStore(APP_TABLE);
const created: TableKey[] = [];
const AT = new Date().toISOString();
const base = { revision: 1, createdAt: AT, updatedAt: AT, createdBy: 'user:~test' };

after(async () => {
  for (const Key of created) await dynamo.send(new DeleteCommand({ TableName: APP_TABLE, Key }));
});

async function environment(orgId: string): Promise<Environment> {
  const env: Environment = { id: randomUUID(), orgId, name: 'env', type: 'dev', ...base };
  await store.createEnvironment(env);
  created.push(environmentKey(env.id));
  return env;
}

async function target(env: Environment, name: string): Promise<Target> {
  const made: Target = {
    id: randomUUID(),
    orgId: env.orgId,
    environmentId: env.id,
    name,
    kind: 'docker',
    driver: 'webhook',
    endpoint: 'https://agent.example.com/',
    credentialsSecret: 'agent-hmac',
    ...base,
  };
  await store.createTarget(made);
  created.push(targetKey(made.id));
  return made;
}

async function stack(orgId: string): Promise<{ stack: Stack; first: StackVersion }> {
  const id = randomUUID();
  const made: Stack = { id, orgId, name: 'web', description: 'd', latestVersion: 1, ...base };
  const first: StackVersion = {
    stackId: id,
    version: 1,
    template: 'image: {{image}}',
    configuration: { image: 'nginx' },
    createdAt: AT,
    createdBy: base.createdBy,
  };
  await store.createStack(made, first);
  created.push(stackKey(id), stackVersionKey(id, 1));
  return { stack: made, first };
}

describe('catalog store (DynamoDB)', () => {
  it('creates an organization once and reads it back', async () => {
    const orgId = `org-${randomUUID()}`;
    const org = { id: orgId, orgId, name: 'Org', notificationUrl: null, notificationSecret: null, ...base };

    assert.equal(await store.createOrganization(org), true);
    created.push(organizationKey(orgId));
    assert.equal(await store.createOrganization({ ...org, name: 'again' }), false);

    assert.deepEqual(await store.getOrganization(orgId), org);
  });

  it('lists a collection over more than one page, every item once, then no cursor', async () => {
    const env = await environment(`org-${randomUUID()}`);
    const made = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => target(env, name)));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listTargets(env.id, { limit: 2, cursor });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.cursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);

    assert.deepEqual(seen.sort(), made.map((t) => t.id).sort());
    assert.ok(pages >= 3);
    assert.deepEqual((await store.getTarget(made[0]?.id ?? '')) ?? null, made[0] ?? null);
  });

  it('refuses a cursor of another collection with invalid input, before DynamoDB sees it', async () => {
    const mine = await environment(`org-${randomUUID()}`);
    const theirs = await environment(`org-${randomUUID()}`);
    await target(theirs, 'x');
    await target(theirs, 'y');
    const { cursor } = await store.listTargets(theirs.id, { limit: 1 });
    assert.ok(cursor !== null);

    await assert.rejects(store.listTargets(mine.id, { limit: 1, cursor }), InvalidInputError);
    const forged = encodeCursor({
      gsi1pk: `ENV#${mine.id}`,
      gsi1sk: 'TARGET#x',
      pk: 'USER#x',
      sk: 'PROFILE',
    });
    await assert.rejects(store.listTargets(mine.id, { limit: 1, cursor: forged ?? '' }), InvalidInputError);
  });

  it('lets exactly one of two concurrent updates with the same expected revision win', async () => {
    const env = await environment(`org-${randomUUID()}`);
    const made = await target(env, 'race');

    const results = await Promise.all([
      store.updateTarget(made.id, 1, { name: 'first' }, AT),
      store.updateTarget(made.id, 1, { name: 'second' }, AT),
    ]);
    const winners = results.filter((r) => r !== undefined);
    const stored = await store.getTarget(made.id);

    assert.equal(winners.length, 1);
    assert.equal(stored?.revision, 2);
    assert.equal(stored?.name, winners[0]?.name);
  });

  it('writes version 2 and moves the stack to it in one transaction, conditional on the revision', async () => {
    const { stack: made } = await stack(`org-${randomUUID()}`);
    const v2: StackVersion = {
      ...{ stackId: made.id, version: 2, template: 'v2', configuration: {} },
      createdAt: AT,
      createdBy: 'user:~test',
    };

    const updated = await store.addStackVersion(made.id, 1, v2, { description: 'second' });
    created.push(stackVersionKey(made.id, 2));
    const stale = await store.addStackVersion(made.id, 1, { ...v2, version: 3 }, {});
    const versions = await store.listVersions(made.id, { limit: 10 });

    assert.deepEqual([updated?.revision, updated?.latestVersion, updated?.description], [2, 2, 'second']);
    assert.equal(stale, undefined);
    assert.equal(await store.getVersion(made.id, 3), undefined);
    assert.deepEqual(await store.getVersion(made.id, 2), v2);
    assert.deepEqual(
      versions.items.map((v) => v.version),
      [2, 1],
    );
  });

  it('pages versions newest first', async () => {
    const { stack: made } = await stack(`org-${randomUUID()}`);
    for (let n = 2; n <= 3; n++) {
      const v: StackVersion = {
        stackId: made.id,
        version: n,
        template: `v${n}`,
        configuration: {},
        createdAt: AT,
        createdBy: 'x',
      };
      assert.ok(await store.addStackVersion(made.id, n - 1, v, {}));
      created.push(stackVersionKey(made.id, n));
    }

    const first = await store.listVersions(made.id, { limit: 2 });
    const second = await store.listVersions(made.id, { limit: 2, cursor: first.cursor ?? undefined });

    assert.deepEqual(
      [...first.items, ...second.items].map((v) => v.version),
      [3, 2, 1],
    );
  });
});
