import type {
  Deployment,
  DeploymentEvent,
  DeploymentLock,
  Environment,
  SagaStep,
  Stack,
  Target,
} from '../../functions/deployments/domain/model.ts';
import type { DeploymentStore } from '../../functions/deployments/store/deployments.ts';
import type { Principal } from '../../functions/shared/http/principal.ts';

/** An in-memory DeploymentStore with the same conditional semantics as the DynamoDB one. */
export function memoryDeploymentStore(): DeploymentStore & {
  readonly locks: Map<string, DeploymentLock>;
  readonly records: Map<string, Deployment>;
} {
  const records = new Map<string, Deployment>();
  const events = new Map<string, DeploymentEvent[]>();
  const locks = new Map<string, DeploymentLock>();
  const good = new Map<string, { version: number; deploymentId: string }>();
  const tokens = new Map<string, { step: SagaStep; token: string }>();
  const lockKey = (stackId: string, envId: string) => `${stackId}#${envId}`;
  return {
    records,
    locks,
    async create(deployment, first) {
      if (records.has(deployment.id)) throw new Error('exists');
      records.set(deployment.id, deployment);
      events.set(deployment.id, [{ ...first, deploymentId: deployment.id, seq: 1 }]);
    },
    async get(id) {
      return records.get(id);
    },
    async listOfStack(stackId, page) {
      const all = [...records.values()]
        .filter((d) => d.stackId === stackId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const start = page.cursor === undefined ? 0 : Number(page.cursor);
      const items = all.slice(start, start + page.limit);
      return { items, cursor: start + page.limit < all.length ? String(start + page.limit) : null };
    },
    async update(id, expected, change) {
      const current = records.get(id);
      if (current === undefined || current.revision !== expected) return undefined;
      const next = { ...current, ...change, revision: expected + 1 };
      records.set(id, next);
      return next;
    },
    async appendEvent(id, event) {
      const list = events.get(id) ?? [];
      const appended = { ...event, deploymentId: id, seq: list.length + 1 };
      list.push(appended);
      events.set(id, list);
      return appended;
    },
    async eventsAfter(id, after, limit) {
      return (events.get(id) ?? []).filter((e) => e.seq > after).slice(0, limit);
    },
    async acquireLock(lock) {
      const key = lockKey(lock.stackId, lock.environmentId);
      const held = locks.get(key);
      if (held !== undefined) return held.deploymentId === lock.deploymentId;
      locks.set(key, lock);
      return true;
    },
    async releaseLock(stackId, envId, deploymentId) {
      const key = lockKey(stackId, envId);
      if (locks.get(key)?.deploymentId === deploymentId) locks.delete(key);
    },
    async getLock(stackId, envId) {
      return locks.get(lockKey(stackId, envId));
    },
    async lastGood(stackId, envId) {
      return good.get(lockKey(stackId, envId));
    },
    async setLastGood(stackId, envId, value) {
      good.set(lockKey(stackId, envId), value);
    },
    async setTaskToken(id, step, token) {
      if (token === null) tokens.delete(id);
      else tokens.set(id, { step, token });
    },
    async getTaskToken(id) {
      return tokens.get(id);
    },
  };
}

export function principalOf(
  orgId: string | null,
  permissions = ['deployments:read', 'deployments:write'],
): Principal {
  return {
    id: 'u-1',
    kind: 'user',
    roles: ['developer'],
    permissions,
    sessionId: 's-1',
    orgId,
    authTime: null,
  };
}

const at = '2026-12-01T00:00:00.000Z';
const versioned = (orgId: string) => ({
  orgId,
  revision: 1,
  createdAt: at,
  updatedAt: at,
  createdBy: 'user:~x',
});

export function catalogOf(orgId: string) {
  const stack: Stack = { ...versioned(orgId), id: 'stack-1', name: 'web', description: '', latestVersion: 2 };
  const environment: Environment = { ...versioned(orgId), id: 'env-1', name: 'staging', type: 'staging' };
  const target: Target = {
    ...versioned(orgId),
    id: 'target-1',
    environmentId: 'env-1',
    name: 'vm',
    kind: 'vm',
    driver: 'webhook',
    endpoint: 'https://agent.example',
    credentialsSecret: 'nimbus/test/deployments/agent',
  };
  return {
    stack,
    environment,
    target,
    catalog: {
      stack: async (id: string) => (id === stack.id ? stack : undefined),
      environment: async (id: string) => (id === environment.id ? environment : undefined),
      targetOf: async (id: string) => (id === environment.id ? target : undefined),
      hasVersion: async (_stackId: string, version: number) => version >= 1 && version <= stack.latestVersion,
    },
  };
}
