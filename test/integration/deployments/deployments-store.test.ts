import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Deployment } from '../../../functions/deployments/domain/model.ts';
import {
  dynamoDeploymentStore,
  InvalidCursorError,
} from '../../../functions/deployments/store/deployments-dynamo.ts';
import { dynamo } from '../../../functions/shared/clients/dynamodb.ts';
import { deploymentLockKey, lastGoodKey } from '../../../functions/shared/store/table-keys.ts';
import { aDeployment } from '../../support/deployment-fakes.ts';
import { APP_TABLE } from '../../support/tables.ts';

// The store on the shared stack's app table; every stack, environment and deployment id is fresh.
const store = dynamoDeploymentStore(APP_TABLE);
const cleanup: Array<{ pk: string; sk: string }> = [];

async function partition(pk: string) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: APP_TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'pk, sk',
    }),
  );
  return (out.Items ?? []) as Array<{ pk: string; sk: string }>;
}

async function created(overrides: Partial<Deployment> = {}): Promise<Deployment> {
  const deployment = aDeployment({ stackId: randomUUID(), environmentId: randomUUID(), ...overrides });
  await store.create(deployment, {
    type: 'deployments.requested',
    at: deployment.createdAt,
    step: null,
    message: 'requested',
    data: {},
  });
  cleanup.push({ pk: `DEPLOY#${deployment.id}`, sk: '*' });
  return deployment;
}

after(async () => {
  for (const key of cleanup) {
    const keys = key.sk === '*' ? await partition(key.pk) : [key];
    for (const k of keys) await dynamo.send(new DeleteCommand({ TableName: APP_TABLE, Key: k }));
  }
});

describe('deployment store (app table)', () => {
  it('creates a deployment with its first event and reads it back without table keys', async () => {
    const deployment = await created();

    assert.deepEqual(await store.get(deployment.id), deployment);
    const events = await store.eventsAfter(deployment.id, 0, 10);
    assert.deepEqual(
      events.map((e) => [e.seq, e.type]),
      [[1, 'deployments.requested']],
    );
  });

  it('updates only at the expected revision', async () => {
    const deployment = await created();

    const updated = await store.update(deployment.id, 1, { status: 'running', step: 'validate' });
    const stale = await store.update(deployment.id, 1, { status: 'failed' });

    assert.equal(updated?.revision, 2);
    assert.equal(updated?.status, 'running');
    assert.equal(stale, undefined);
    assert.equal((await store.get(deployment.id))?.status, 'running');
  });

  it('gives events appended concurrently distinct, gapless seqs', async () => {
    const deployment = await created();

    const appended = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.appendEvent(deployment.id, {
          type: 'deployments.step.started',
          at: new Date().toISOString(),
          step: 'validate',
          message: `writer ${i}`,
          data: {},
        }),
      ),
    );

    assert.deepEqual(
      appended.map((e) => e.seq).sort((a, b) => a - b),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    const after5 = await store.eventsAfter(deployment.id, 5, 100);
    assert.deepEqual(
      after5.map((e) => e.seq),
      [6, 7, 8, 9],
    );
    assert.deepEqual(
      (await store.eventsAfter(deployment.id, 5, 2)).map((e) => e.seq),
      [6, 7],
    );
    assert.deepEqual(await store.eventsAfter(deployment.id, 9, 100), []);
  });

  it('gives the lock to one deployment; the holder may take it again; a release by another is a no-op', async () => {
    const stackId = randomUUID();
    const environmentId = randomUUID();
    cleanup.push(deploymentLockKey(stackId, environmentId));
    const lock = (deploymentId: string) => ({
      stackId,
      environmentId,
      deploymentId,
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });

    assert.equal(await store.acquireLock(lock('dep-a')), true);
    assert.equal(await store.acquireLock(lock('dep-b')), false);
    assert.equal(await store.acquireLock(lock('dep-a')), true);

    await store.releaseLock(stackId, environmentId, 'dep-b');
    assert.equal((await store.getLock(stackId, environmentId))?.deploymentId, 'dep-a');

    await store.releaseLock(stackId, environmentId, 'dep-a');
    assert.equal(await store.getLock(stackId, environmentId), undefined);
    await store.releaseLock(stackId, environmentId, 'dep-a');
    assert.equal(await store.acquireLock(lock('dep-b')), true);
  });

  it('lets a deployment take over a lock whose saga never released it once it lapsed', async () => {
    const stackId = randomUUID();
    const environmentId = randomUUID();
    cleanup.push(deploymentLockKey(stackId, environmentId));
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    assert.equal(
      await store.acquireLock({
        stackId,
        environmentId,
        deploymentId: 'stuck',
        acquiredAt: at(0),
        expiresAt: at(60_000),
      }),
      true,
    );
    const next = { stackId, environmentId, deploymentId: 'next', expiresAt: at(3_600_000) };
    assert.equal(await store.acquireLock({ ...next, acquiredAt: at(59_000) }), false, 'not before it lapses');
    assert.equal(await store.acquireLock({ ...next, acquiredAt: at(61_000) }), true, 'after it lapsed');
    assert.equal((await store.getLock(stackId, environmentId))?.deploymentId, 'next');
  });

  it('lets one of two concurrent lock requests win', async () => {
    const stackId = randomUUID();
    const environmentId = randomUUID();
    cleanup.push(deploymentLockKey(stackId, environmentId));
    const results = await Promise.all(
      ['dep-1', 'dep-2'].map((deploymentId) =>
        store.acquireLock({
          stackId,
          environmentId,
          deploymentId,
          acquiredAt: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      ),
    );

    assert.deepEqual([...results].sort(), [false, true]);
  });

  it('keeps the task token beside the deployment, out of the record, until cleared', async () => {
    const deployment = await created();

    await store.setTaskToken(deployment.id, 'deploy', 'token-1');
    assert.deepEqual(await store.getTaskToken(deployment.id), { step: 'deploy', token: 'token-1' });
    assert.deepEqual(await store.get(deployment.id), deployment);

    await store.setTaskToken(deployment.id, 'deploy', null);
    assert.equal(await store.getTaskToken(deployment.id), undefined);
  });

  it('records the last good version per stack and environment', async () => {
    const stackId = randomUUID();
    const environmentId = randomUUID();
    cleanup.push(lastGoodKey(stackId, environmentId));

    assert.equal(await store.lastGood(stackId, environmentId), undefined);
    await store.setLastGood(stackId, environmentId, { version: 4, deploymentId: 'dep-4' });

    assert.deepEqual(await store.lastGood(stackId, environmentId), { version: 4, deploymentId: 'dep-4' });
  });

  it('lists a stack deployments newest first, page by page', async () => {
    const stackId = randomUUID();
    const made: Deployment[] = [];
    for (let i = 0; i < 3; i++)
      made.push(await created({ stackId, createdAt: `2026-01-0${i + 1}T00:00:00.000Z` }));

    const first = await store.listOfStack(stackId, { limit: 2 });
    assert.deepEqual(
      first.items.map((d) => d.id),
      [made[2]?.id, made[1]?.id],
    );
    assert.ok(first.cursor !== null);
    const second = await store.listOfStack(stackId, { limit: 2, cursor: first.cursor });
    assert.deepEqual(
      second.items.map((d) => d.id),
      [made[0]?.id],
    );

    await assert.rejects(
      store.listOfStack(randomUUID(), { limit: 2, cursor: first.cursor }),
      InvalidCursorError,
    );
    await assert.rejects(
      store.listOfStack(stackId, { limit: 2, cursor: 'not-a-cursor' }),
      InvalidCursorError,
    );
  });
});
