import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentSettings } from '../../../functions/deployments/config.ts';
import type { Deployment } from '../../../functions/deployments/domain/model.ts';
import {
  cancelDeployment,
  type DeploymentDeps,
  deploymentActions,
  followEvents,
  type PublishedEvent,
  requestDeployment,
  requestRollback,
} from '../../../functions/deployments/use-cases/deployments.ts';
import { catalogOf, memoryDeploymentStore, principalOf } from '../../support/deployment-route-fakes.ts';

const SETTINGS: DeploymentSettings = {
  circuitFailureThreshold: 5,
  circuitCooldownSeconds: 30,
  allowLoopbackHttp: false,
  allowDryRun: false,
  agentTimeoutMs: 1000,
  callbackTimeoutSeconds: 60,
  maxWaitSeconds: 20,
};

function world(options: { startFails?: boolean } = {}) {
  const store = memoryDeploymentStore();
  const { catalog, stack, environment } = catalogOf('org-a');
  const published: PublishedEvent[] = [];
  const started: string[] = [];
  const cancels: { id: string; reason: string }[] = [];
  let clock = Date.parse('2026-12-01T10:00:00Z');
  let ids = 0;
  const deps: DeploymentDeps = {
    deployments: store,
    catalog,
    saga: {
      async start(id) {
        if (options.startFails) throw new Error('states unavailable');
        started.push(id);
      },
      async cancel(id, reason) {
        const current = await store.get(id);
        if (current === undefined) return undefined;
        cancels.push({ id, reason });
        return store.update(id, current.revision, { status: 'cancelled', reason });
      },
    },
    events: {
      async publish(message) {
        published.push(message);
      },
    },
    actorOf: async () => 'user:~pseudonym',
    settings: SETTINGS,
    now: () => new Date(clock),
    newId: () => {
      ids += 1;
      return `00000000-0000-4000-8000-${String(ids).padStart(12, '0')}`;
    },
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return { deps, store, published, started, cancels, stack, environment };
}

const orgA = principalOf('org-a');
const orgB = principalOf('org-b');
const request = { stackId: 'stack-1', environmentId: 'env-1', correlationId: 'c-1' };

describe('requesting a deployment', () => {
  it('creates it pending with the latest version, takes the lock, publishes the first event and starts the saga', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    assert.equal(d.status, 'pending');
    assert.equal(d.version, 2);
    assert.equal(d.targetId, 'target-1');
    assert.equal(d.requestedBy, 'user:~pseudonym');
    assert.deepEqual(w.started, [d.id]);
    assert.equal(w.store.locks.size, 1);
    assert.deepEqual(
      w.published.map((p) => [p.topic, p.orgId, p.event.seq]),
      [['deployments.requested', 'org-a', 1]],
    );
  });

  it('refuses a second one for the same stack and environment while the first holds the lock (409)', async () => {
    const w = world();
    const first = await requestDeployment(w.deps, orgA, request);
    await assert.rejects(requestDeployment(w.deps, orgA, request), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'deployment-in-progress');
      assert.match(error.message, new RegExp(first.id));
      return true;
    });
    assert.equal(w.started.length, 1);
  });

  it('answers 404 for another organisation’s stack, and 400 for a version that does not exist', async () => {
    const w = world();
    await assert.rejects(requestDeployment(w.deps, orgB, request), { name: 'ResourceNotFoundError' });
    await assert.rejects(requestDeployment(w.deps, principalOf(null), request), {
      name: 'ResourceNotFoundError',
    });
    await assert.rejects(requestDeployment(w.deps, orgA, { ...request, version: 3 }), {
      name: 'InvalidInputError',
    });
    assert.equal(w.store.locks.size, 0);
  });

  it('leaves no lock behind when the saga cannot start, and marks the deployment failed', async () => {
    const w = world({ startFails: true });
    await assert.rejects(requestDeployment(w.deps, orgA, request), /states unavailable/);
    assert.equal(w.store.locks.size, 0);
    const [record] = [...w.store.records.values()];
    assert.equal(record?.status, 'failed');
  });
});

describe('cancelling', () => {
  it('hands an active deployment to the saga to cancel, and offers nothing while it compensates', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    const cancelled = await cancelDeployment(w.deps, orgA, d.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(w.cancels, [{ id: d.id, reason: 'cancelled on request' }]);
    assert.deepEqual(deploymentActions(orgA, cancelled), []);
    assert.deepEqual(deploymentActions(orgA, { ...cancelled, finishedAt: '2026-12-01T10:01:00Z' }), [
      'redeploy',
    ]);
  });

  it('refuses a finished deployment (409) and another organisation’s (404)', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    await assert.rejects(cancelDeployment(w.deps, orgB, d.id), { name: 'ResourceNotFoundError' });
    await w.store.update(d.id, d.revision, { status: 'succeeded' });
    await assert.rejects(cancelDeployment(w.deps, orgA, d.id), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'deployment-finished');
      return true;
    });
  });
});

describe('rolling back', () => {
  async function succeeded(w: ReturnType<typeof world>, version: number): Promise<Deployment> {
    const d = await requestDeployment(w.deps, orgA, { ...request, version });
    await w.store.update(d.id, d.revision, { status: 'succeeded' });
    await w.store.releaseLock('stack-1', 'env-1', d.id);
    await w.store.setLastGood('stack-1', 'env-1', { version, deploymentId: d.id });
    return d;
  }

  it('deploys the newest successful version before the current one', async () => {
    const w = world();
    await succeeded(w, 1);
    await succeeded(w, 2);
    const rollback = await requestRollback(w.deps, orgA, request);
    assert.equal(rollback.kind, 'rollback');
    assert.equal(rollback.version, 1);
  });

  it('refuses when there is no earlier successful version (409)', async () => {
    const w = world();
    await assert.rejects(requestRollback(w.deps, orgA, request), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'no-previous-version');
      return true;
    });
    await succeeded(w, 2);
    await assert.rejects(requestRollback(w.deps, orgA, request), { name: 'ConflictingStateError' });
  });
});

describe('the live log', () => {
  it('answers at once when events exist after the cursor', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    const { items } = await followEvents(w.deps, orgA, {
      deploymentId: d.id,
      after: 0,
      waitSeconds: 10,
      limit: 10,
    });
    assert.deepEqual(
      items.map((e) => e.seq),
      [1],
    );
  });

  it('waits up to waitSeconds (capped by the setting) and returns empty when nothing new came', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    const before = w.deps.now().getTime();
    const { items } = await followEvents({ ...w.deps, settings: { ...SETTINGS, maxWaitSeconds: 3 } }, orgA, {
      deploymentId: d.id,
      after: 1,
      waitSeconds: 10,
      limit: 10,
    });
    assert.deepEqual(items, []);
    assert.equal(w.deps.now().getTime() - before, 3000);
  });

  it('returns the event that arrives while it waits', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    let slept = 0;
    const deps = {
      ...w.deps,
      sleep: async (ms: number) => {
        slept += ms;
        if (slept === 1000)
          await w.store.appendEvent(d.id, {
            type: 'deployments.step.started',
            at: 'x',
            step: 'validate',
            message: '',
            data: {},
          });
        await w.deps.sleep(ms);
      },
    };
    const { items } = await followEvents(deps, orgA, {
      deploymentId: d.id,
      after: 1,
      waitSeconds: 10,
      limit: 10,
    });
    assert.deepEqual(
      items.map((e) => e.type),
      ['deployments.step.started'],
    );
    assert.equal(slept, 1000);
  });

  it('is another organisation’s 404', async () => {
    const w = world();
    const d = await requestDeployment(w.deps, orgA, request);
    await assert.rejects(
      followEvents(w.deps, orgB, { deploymentId: d.id, after: 0, waitSeconds: 0, limit: 10 }),
      {
        name: 'ResourceNotFoundError',
      },
    );
  });
});

describe('_actions', () => {
  it('offer cancel while running, rollback after success, nothing to a read-only caller', () => {
    const base = { status: 'running', finishedAt: null } as unknown as Deployment;
    assert.deepEqual(deploymentActions(orgA, base), ['cancel']);
    const done = { ...base, finishedAt: '2026-12-01T10:01:00Z' };
    assert.deepEqual(deploymentActions(orgA, { ...done, status: 'succeeded' }), ['rollback', 'redeploy']);
    assert.deepEqual(deploymentActions(orgA, { ...done, status: 'failed' }), ['redeploy']);
    assert.deepEqual(deploymentActions(principalOf('org-a', ['deployments:read']), base), []);
  });
});
