import type {
  Deployment,
  DeploymentEvent,
  DeploymentLock,
  StackVersion,
  Target,
} from '../../functions/deployments/domain/model.ts';
import type { Driver, DriverResult } from '../../functions/deployments/drivers/driver.ts';
import type { TargetCircuitBreaker } from '../../functions/deployments/store/circuit.ts';
import type { DeploymentStore } from '../../functions/deployments/store/deployments.ts';
import type {
  DeploymentEventMessage,
  SagaDeps,
  StepResult,
} from '../../functions/deployments/use-cases/saga.ts';

/**
 * The saga's ports in memory, for the use cases' unit tests (the Dynamo store, the Redis circuit
 * and the webhook driver have their own tests against the real things).
 */
export function sagaWorld(seed: { deployment: Deployment; target: Target; version: StackVersion }) {
  const deployments = new Map<string, Deployment>([[seed.deployment.id, seed.deployment]]);
  const events: DeploymentEvent[] = [];
  const locks = new Map<string, DeploymentLock>();
  const tokens = new Map<string, { step: 'deploy'; token: string }>();
  const lastGood = new Map<string, { version: number; deploymentId: string }>();
  const published: DeploymentEventMessage[] = [];
  const resolved: Array<{ token: string; output: StepResult }> = [];
  const driverCalls: string[] = [];
  const circuitCalls: string[] = [];
  const answers: { deploy: DriverResult; undo: DriverResult; health: DriverResult } = {
    deploy: { status: 'succeeded', message: 'deployed' },
    undo: { status: 'succeeded', message: 'undone' },
    health: { status: 'succeeded', message: 'healthy' },
  };
  let circuitOpen = false;
  const lockKey = (s: string, e: string) => `${s}#${e}`;

  const store: DeploymentStore = {
    async create() {},
    async get(id) {
      return deployments.get(id);
    },
    async listOfStack() {
      return { items: [], cursor: null };
    },
    async update(id, expected, change) {
      const current = deployments.get(id);
      if (current === undefined || current.revision !== expected) return undefined;
      const next = { ...current, ...change, revision: current.revision + 1 } as Deployment;
      deployments.set(id, next);
      return next;
    },
    async appendEvent(id, event) {
      const stored = {
        ...event,
        deploymentId: id,
        seq: events.filter((e) => e.deploymentId === id).length + 1,
      };
      events.push(stored);
      return stored;
    },
    async eventsAfter(id, after, limit) {
      return events.filter((e) => e.deploymentId === id && e.seq > after).slice(0, limit);
    },
    async acquireLock(lock) {
      const held = locks.get(lockKey(lock.stackId, lock.environmentId));
      if (held !== undefined && held.deploymentId !== lock.deploymentId) return false;
      locks.set(lockKey(lock.stackId, lock.environmentId), lock);
      return true;
    },
    async releaseLock(s, e, id) {
      if (locks.get(lockKey(s, e))?.deploymentId === id) locks.delete(lockKey(s, e));
    },
    async getLock(s, e) {
      return locks.get(lockKey(s, e));
    },
    async lastGood(s, e) {
      return lastGood.get(lockKey(s, e));
    },
    async setLastGood(s, e, good) {
      lastGood.set(lockKey(s, e), good);
    },
    async setTaskToken(id, _step, token) {
      if (token === null) tokens.delete(id);
      else tokens.set(id, { step: 'deploy', token });
    },
    async getTaskToken(id) {
      return tokens.get(id);
    },
  };
  const circuit: TargetCircuitBreaker = {
    async state() {
      return { state: circuitOpen ? 'open' : 'closed', failures: 0, openUntil: null };
    },
    async allow() {
      return circuitOpen
        ? { allowed: false, reason: "the target's circuit is open; retry after 30 s", retryAfterSeconds: 30 }
        : { allowed: true, trial: false };
    },
    async recordSuccess(id) {
      circuitCalls.push(`success:${id}`);
    },
    async recordFailure(id) {
      circuitCalls.push(`failure:${id}`);
      return { state: 'closed', failures: 1, openUntil: null };
    },
  };
  const driver: Driver = {
    async deploy() {
      driverCalls.push('deploy');
      return answers.deploy;
    },
    async undo() {
      driverCalls.push('undo');
      return answers.undo;
    },
    async health() {
      driverCalls.push('health');
      return answers.health;
    },
  };
  const deps: SagaDeps = {
    deployments: store,
    stackVersions: {
      async getVersion(stackId, version) {
        return stackId === seed.version.stackId && version === seed.version.version
          ? seed.version
          : undefined;
      },
    },
    targets: {
      async get(id) {
        return id === seed.target.id ? seed.target : undefined;
      },
    },
    circuit,
    drivers: (name) => (name === 'webhook' ? driver : undefined),
    events: {
      async publish(message) {
        published.push(message);
      },
    },
    taskTokens: {
      async succeed(token, output) {
        resolved.push({ token, output });
      },
    },
    callbackUrl: (id) => `https://api.example.test/v1/deployments/${id}/callback`,
    lockSeconds: 3600,
    now: () => new Date('2026-01-02T00:00:00Z'),
  };
  return {
    deps,
    answers,
    deployment: () => deployments.get(seed.deployment.id) as Deployment,
    events: () => events.map((e) => [e.type, e.step] as const),
    published,
    resolved,
    driverCalls,
    circuitCalls,
    locks,
    tokens,
    lastGood,
    openCircuit: () => {
      circuitOpen = true;
    },
  };
}
