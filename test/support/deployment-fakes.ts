import { randomUUID } from 'node:crypto';
import type { Deployment, StackVersion, Target } from '../../functions/deployments/domain/model.ts';

/** Fixtures of the deployment domain: a fresh id each, any field overridable. */

const AT = '2026-01-01T00:00:00.000Z';

export function aTarget(overrides: Partial<Target> = {}): Target {
  return {
    id: randomUUID(),
    orgId: 'org-1',
    environmentId: 'env-1',
    name: 'edge-1',
    kind: 'docker',
    driver: 'webhook',
    endpoint: 'https://agent.example.test/deploy',
    credentialsSecret: 'nimbus/test/agent-key',
    revision: 1,
    createdAt: AT,
    updatedAt: AT,
    createdBy: 'user-1',
    ...overrides,
  };
}

export function aDeployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: randomUUID(),
    orgId: 'org-1',
    stackId: 'stack-1',
    environmentId: 'env-1',
    targetId: 'target-1',
    version: 3,
    kind: 'deploy',
    status: 'pending',
    step: null,
    completedSteps: [],
    compensations: [],
    reason: null,
    requestedBy: 'user-1',
    correlationId: 'corr-1',
    createdAt: AT,
    updatedAt: AT,
    finishedAt: null,
    revision: 1,
    ...overrides,
  };
}

export function aStackVersion(overrides: Partial<StackVersion> = {}): StackVersion {
  return {
    stackId: 'stack-1',
    version: 3,
    template: 'image: {{image}}\nreplicas: {{ replicas }}\n',
    configuration: { image: 'registry.example.test/web:3', replicas: '2' },
    createdAt: AT,
    createdBy: 'user-1',
    ...overrides,
  };
}
