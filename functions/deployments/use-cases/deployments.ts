import { ConflictingStateError, InvalidInputError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { hasPermission } from '#shared/http/principal.ts';
import { type DeploymentSettings, sagaTimeLimitSeconds } from '../config.ts';
import {
  ACTIVE_DEPLOYMENT_STATUSES,
  type Deployment,
  type DeploymentEvent,
  type Environment,
  type Stack,
  type Target,
} from '../domain/model.ts';
import type { DeploymentStore } from '../store/deployments.ts';

/** What the deployment routes read of the catalog (orgs, environments, targets, stacks). */
export interface DeploymentCatalog {
  stack(stackId: string): Promise<Stack | undefined>;
  environment(environmentId: string): Promise<Environment | undefined>;
  /** The environment's target a deployment goes to: its first (oldest) one. */
  targetOf(environmentId: string): Promise<Target | undefined>;
  hasVersion(stackId: string, version: number): Promise<boolean>;
}

/** A deployment event as published on the event queue (`deployments.*` topics). */
export interface PublishedEvent {
  readonly topic: string;
  readonly orgId: string;
  readonly correlationId: string;
  readonly event: DeploymentEvent;
}

export interface DeploymentDeps {
  readonly deployments: DeploymentStore;
  readonly catalog: DeploymentCatalog;
  readonly saga: {
    /** Starts the saga's execution, named after the deployment (a second start of the same id is refused by Step Functions). */
    start(deploymentId: string, correlationId: string): Promise<void>;
    /**
     * Cancels the saga of an active deployment (`requestCancel`, use-cases/saga.ts): marked
     * `cancelled` at once, its next step stops, a deploy step waiting on its agent is woken, and
     * the machine compensates before Finish ends it.
     */
    cancel(deploymentId: string, reason: string): Promise<Deployment | undefined>;
  };
  readonly events: { publish(message: PublishedEvent): Promise<void> };
  /** How the catalog names the caller (`user:~<pseudonym>` or `apikey:<id>`), never a plain user id. */
  readonly actorOf: (principal: Principal) => Promise<string>;
  readonly settings: DeploymentSettings;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The caller's organisation; a principal without one reaches no deployment resource. */
function orgOf(principal: Principal): string {
  if (principal.orgId === null) throw new ResourceNotFoundError('No such resource in your organisation');
  return principal.orgId;
}

/** The resource if it is the caller's organisation's; otherwise the same 404 as a missing one. */
function owned<T extends { orgId: string }>(principal: Principal, item: T | undefined, what: string): T {
  if (item === undefined || item.orgId !== orgOf(principal))
    throw new ResourceNotFoundError(`No such ${what} in your organisation`);
  return item;
}

export async function getOwnedDeployment(
  deps: Pick<DeploymentDeps, 'deployments'>,
  principal: Principal,
  deploymentId: string,
): Promise<Deployment> {
  return owned(principal, await deps.deployments.get(deploymentId), 'deployment');
}

interface StartRequest {
  readonly stackId: string;
  readonly environmentId: string;
  readonly version: number | undefined;
  readonly kind: Deployment['kind'];
  readonly correlationId: string;
}

/**
 * Creates a deployment and starts its saga. The lock (one active deployment per stack +
 * environment) is taken here, before anything else is written, so that of two concurrent
 * requests exactly one is accepted and the other gets 409 at once; the saga's lock step then finds
 * it held by its own deployment. Nothing half-written: a failure after the lock releases it.
 */
async function start(deps: DeploymentDeps, principal: Principal, request: StartRequest): Promise<Deployment> {
  const stack = owned(principal, await deps.catalog.stack(request.stackId), 'stack');
  const environment = owned(principal, await deps.catalog.environment(request.environmentId), 'environment');
  const version = request.version ?? stack.latestVersion;
  if (version > stack.latestVersion || !(await deps.catalog.hasVersion(stack.id, version)))
    throw new InvalidInputError(`Stack ${stack.id} has no version ${version}`, [
      { path: 'body.version', message: `no such version (latest is ${stack.latestVersion})` },
    ]);
  const target = await deps.catalog.targetOf(environment.id);
  if (target === undefined || target.orgId !== environment.orgId)
    throw new InvalidInputError('The environment has no target to deploy to', [
      { path: 'body.environmentId', message: 'add a target to this environment first' },
    ]);

  const at = deps.now().toISOString();
  const id = deps.newId();
  const held = await deps.deployments.acquireLock({
    stackId: stack.id,
    environmentId: environment.id,
    deploymentId: id,
    acquiredAt: at,
    expiresAt: new Date(Date.parse(at) + sagaTimeLimitSeconds(deps.settings) * 1000).toISOString(),
  });
  if (!held) {
    const lock = await deps.deployments.getLock(stack.id, environment.id);
    throw new ConflictingStateError(
      `A deployment of this stack to this environment is already running${lock ? ` (${lock.deploymentId})` : ''}`,
      'deployment-in-progress',
    );
  }
  const deployment: Deployment = {
    id,
    orgId: stack.orgId,
    stackId: stack.id,
    environmentId: environment.id,
    targetId: target.id,
    version,
    kind: request.kind,
    status: 'pending',
    step: null,
    completedSteps: [],
    compensations: [],
    reason: null,
    requestedBy: await deps.actorOf(principal),
    correlationId: request.correlationId,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
    revision: 1,
  };
  try {
    const first = {
      type: 'deployments.requested',
      at,
      step: null,
      message: `${request.kind === 'rollback' ? 'Rollback' : 'Deployment'} of version ${version} requested`,
      data: { version, kind: request.kind, targetId: target.id },
    };
    await deps.deployments.create(deployment, first);
    // `create` wrote it as seq 1 in the same transaction: publish it without reading it back.
    await deps.events.publish({
      topic: first.type,
      orgId: deployment.orgId,
      correlationId: deployment.correlationId,
      event: { ...first, deploymentId: id, seq: 1 },
    });
    await deps.saga.start(id, request.correlationId);
  } catch (error) {
    // Never a deployment that holds the lock with no saga to release it.
    await deps.deployments.releaseLock(stack.id, environment.id, id);
    const created = await deps.deployments.get(id);
    if (created !== undefined) {
      await deps.deployments.update(id, created.revision, {
        status: 'failed',
        reason: 'The saga could not be started',
        finishedAt: deps.now().toISOString(),
        updatedAt: deps.now().toISOString(),
      });
    }
    throw error;
  }
  return deployment;
}

export function requestDeployment(
  deps: DeploymentDeps,
  principal: Principal,
  input: { stackId: string; environmentId: string; version?: number | undefined; correlationId: string },
): Promise<Deployment> {
  return start(deps, principal, {
    stackId: input.stackId,
    environmentId: input.environmentId,
    version: input.version,
    kind: 'deploy',
    correlationId: input.correlationId,
  });
}

/**
 * A rollback deploys again the newest successful version of the stack in the environment other
 * than the one deployed now (the last success): a deployment of kind `rollback`.
 */
export async function requestRollback(
  deps: DeploymentDeps,
  principal: Principal,
  input: { stackId: string; environmentId: string; correlationId: string },
): Promise<Deployment> {
  const stack = owned(principal, await deps.catalog.stack(input.stackId), 'stack');
  owned(principal, await deps.catalog.environment(input.environmentId), 'environment');
  const current = await deps.deployments.lastGood(stack.id, input.environmentId);
  let previous: number | undefined;
  let cursor: string | undefined;
  let seen = 0;
  // Newest first; a stack's history is read a page at a time until an earlier success shows.
  while (current !== undefined && previous === undefined && seen < 1000) {
    const page = await deps.deployments.listOfStack(stack.id, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const d of page.items) {
      seen += 1;
      if (
        d.environmentId === input.environmentId &&
        d.status === 'succeeded' &&
        d.version !== current.version
      ) {
        previous = d.version;
        break;
      }
    }
    if (page.cursor === null) break;
    cursor = page.cursor;
  }
  if (previous === undefined)
    throw new ConflictingStateError(
      'There is no earlier successful version of this stack in this environment to return to',
      'no-previous-version',
    );
  return start(deps, principal, {
    stackId: stack.id,
    environmentId: input.environmentId,
    version: previous,
    kind: 'rollback',
    correlationId: input.correlationId,
  });
}

/**
 * Cancels a running deployment: the saga stops going forward (each step checks the status before
 * it acts, and a deploy step waiting on its agent is woken), the machine runs the compensations of
 * what was done, in reverse, and Finish ends it `cancelled` (`finishedAt` set).
 */
export async function cancelDeployment(
  deps: DeploymentDeps,
  principal: Principal,
  deploymentId: string,
): Promise<Deployment> {
  const deployment = await getOwnedDeployment(deps, principal, deploymentId);
  if (!ACTIVE_DEPLOYMENT_STATUSES.includes(deployment.status))
    throw new ConflictingStateError(`The deployment is already ${deployment.status}`, 'deployment-finished');
  const cancelled = await deps.saga.cancel(deployment.id, 'cancelled on request');
  if (cancelled === undefined || cancelled.status !== 'cancelled')
    throw new ConflictingStateError(
      `The deployment is already ${cancelled?.status ?? 'gone'}`,
      'deployment-finished',
    );
  return cancelled;
}

/** Events after `after`; with `waitSeconds`, polls until one arrives, the deployment ends, or the time is up. */
export async function followEvents(
  deps: Pick<DeploymentDeps, 'deployments' | 'settings' | 'now' | 'sleep'>,
  principal: Principal,
  input: { deploymentId: string; after: number; waitSeconds: number; limit: number },
): Promise<{ deployment: Deployment; items: DeploymentEvent[] }> {
  let deployment = await getOwnedDeployment(deps, principal, input.deploymentId);
  const deadline = deps.now().getTime() + Math.min(input.waitSeconds, deps.settings.maxWaitSeconds) * 1000;
  for (;;) {
    const items = await deps.deployments.eventsAfter(deployment.id, input.after, input.limit);
    if (
      items.length > 0 ||
      !ACTIVE_DEPLOYMENT_STATUSES.includes(deployment.status) ||
      deps.now().getTime() >= deadline
    )
      return { deployment, items };
    await deps.sleep(Math.min(500, Math.max(0, deadline - deps.now().getTime())));
    deployment = (await deps.deployments.get(deployment.id)) ?? deployment;
  }
}

/** What the caller may do with a deployment now (its `_actions`). */
export function deploymentActions(principal: Principal, deployment: Deployment): string[] {
  if (!hasPermission(principal, 'deployments:write')) return [];
  // While it runs, only a cancel; while a cancelled one compensates, nothing (the lock is held).
  if (ACTIVE_DEPLOYMENT_STATUSES.includes(deployment.status)) return ['cancel'];
  if (deployment.finishedAt === null) return [];
  if (deployment.status === 'succeeded') return ['rollback', 'redeploy'];
  return ['redeploy'];
}

export async function listStackDeployments(
  deps: Pick<DeploymentDeps, 'deployments' | 'catalog'>,
  principal: Principal,
  input: { stackId: string; limit: number; cursor?: string | undefined },
): Promise<{ items: Deployment[]; cursor: string | null }> {
  owned(principal, await deps.catalog.stack(input.stackId), 'stack');
  return deps.deployments.listOfStack(input.stackId, {
    limit: input.limit,
    ...(input.cursor === undefined ? {} : { cursor: input.cursor }),
  });
}
