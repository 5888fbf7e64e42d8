import {
  ACTIVE_DEPLOYMENT_STATUSES,
  type Deployment,
  type DeploymentEvent,
  type DeploymentStatus,
  type SagaStep,
  type Target,
} from '../domain/model.ts';
import { renderTemplate } from '../domain/render.ts';
import type { Driver, DriverRegistry } from '../drivers/driver.ts';
import type { TargetCircuitBreaker } from '../store/circuit.ts';
import type { DeploymentStore, StackVersionReader } from '../store/deployments.ts';

/**
 * The deployment saga's tasks (`lib/constructs/deployment-saga.ts`), one Lambda each. The input
 * carries ids only; every task reads the deployment, and returns a result the machine branches on
 * (`{ ok: false, reason }` for a failure the saga must compensate; a throw is retried by the
 * machine, then compensated). Every task is idempotent: a step already in `completedSteps`, or a
 * compensation already in `compensations`, is not done again, and an event already in the log is
 * not appended twice (it is published again: the queue is at-least-once, `seq` tells repeats).
 */

export interface TargetReader {
  get(targetId: string): Promise<Target | undefined>;
}

/** One deployment event on the event queue (`deployments.*` topics); the notifier fans it out. */
export interface DeploymentEventMessage {
  readonly topic: string;
  readonly event: DeploymentEvent;
  readonly orgId: string;
  readonly correlationId: string;
}

export interface SagaDeps {
  readonly deployments: DeploymentStore;
  readonly stackVersions: StackVersionReader;
  readonly targets: TargetReader;
  readonly circuit: TargetCircuitBreaker;
  readonly drivers: DriverRegistry;
  readonly events: { publish(message: DeploymentEventMessage): Promise<void> };
  /** Resolves the deploy step's wait (Step Functions SendTaskSuccess) with the step's result. */
  readonly taskTokens: { succeed(token: string, output: StepResult): Promise<void> };
  /** The signed callback route's URL for a deployment (given to the agent). */
  readonly callbackUrl: (deploymentId: string) => string;
  /** How long a deployment's lock lasts from its request (`sagaTimeLimitSeconds`). */
  readonly lockSeconds: number;
  readonly now: () => Date;
}

export interface StepInput {
  readonly deploymentId: string;
  readonly correlationId: string;
}
export interface DeployInput extends StepInput {
  readonly taskToken: string;
}
/** What the machine hands Finish: the failed step's result, or the error it caught (after retries). */
export interface Failure {
  readonly ok: false;
  readonly step: SagaStep;
  readonly reason?: string;
  readonly error?: string;
  readonly cause?: string;
}
export interface FinishInput extends StepInput {
  readonly failure: Failure;
}

export type StepResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly step: SagaStep; readonly reason: string };
export type Compensation = 'undoDeploy' | 'releaseLock';

type Outcome =
  | { readonly ok: true; readonly message?: string; readonly data?: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: 'waiting'; readonly message: string };

const failed = (step: SagaStep, reason: string): StepResult => ({ ok: false, step, reason });
const isActive = (d: Deployment) => ACTIVE_DEPLOYMENT_STATUSES.includes(d.status);
const UPDATE_ATTEMPTS = 8;
const MAX_EVENTS = 1000;

/** Applies `change` to the current record (re-read on a concurrent write); `null` changes nothing. */
async function change(
  deps: SagaDeps,
  deploymentId: string,
  compute: (current: Deployment) => Parameters<DeploymentStore['update']>[2] | null,
): Promise<Deployment> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await deps.deployments.get(deploymentId);
    if (current === undefined) throw new Error(`deployment ${deploymentId} disappeared`);
    const next = compute(current);
    if (next === null) return current;
    const updated = await deps.deployments.update(deploymentId, current.revision, {
      ...next,
      updatedAt: deps.now().toISOString(),
    });
    if (updated !== undefined) return updated;
  }
  throw new Error(`deployment ${deploymentId} kept changing under the saga`);
}

/** Appends the event unless the log has it already (same type and step), then publishes it. */
async function record(
  deps: SagaDeps,
  deployment: Deployment,
  type: string,
  step: SagaStep | null,
  message: string,
  data: Record<string, unknown> = {},
): Promise<void> {
  const log = await deps.deployments.eventsAfter(deployment.id, 0, MAX_EVENTS);
  const event =
    log.find((e) => e.type === type && e.step === step) ??
    (await deps.deployments.appendEvent(deployment.id, {
      type,
      at: deps.now().toISOString(),
      step,
      message,
      data,
    }));
  await deps.events.publish({
    topic: type,
    event,
    orgId: deployment.orgId,
    correlationId: deployment.correlationId,
  });
}

/** Why a deployment may not go on, or `null` when it may. */
function blocked(deployment: Deployment): string | null {
  if (deployment.status === 'cancelled') return deployment.reason ?? 'the deployment was cancelled';
  if (!isActive(deployment)) return `the deployment is ${deployment.status}`;
  return null;
}

async function runStep(
  deps: SagaDeps,
  input: StepInput,
  step: SagaStep,
  body: (deployment: Deployment) => Promise<Outcome>,
): Promise<StepResult | { ok: 'waiting' }> {
  const first = await deps.deployments.get(input.deploymentId);
  if (first === undefined) return failed(step, 'the deployment does not exist');
  if (first.completedSteps.includes(step)) return { ok: true };
  const stop = blocked(first);
  if (stop !== null) return failed(step, stop);
  const deployment = await change(deps, first.id, (current) =>
    isActive(current) && (current.step !== step || current.status !== 'running')
      ? { status: 'running', step }
      : null,
  );
  const stopped = blocked(deployment);
  if (stopped !== null) return failed(step, stopped);
  await record(deps, deployment, 'deployments.step.started', step, `${step} started`);

  const outcome = await body(deployment);
  if (outcome.ok === 'waiting') {
    await record(deps, deployment, 'deployments.step.waiting', step, outcome.message);
    return { ok: 'waiting' };
  }
  if (outcome.ok) {
    const done = await change(deps, deployment.id, (current) =>
      current.completedSteps.includes(step) ? null : { completedSteps: [...current.completedSteps, step] },
    );
    await record(
      deps,
      done,
      'deployments.step.succeeded',
      step,
      outcome.message ?? `${step} succeeded`,
      outcome.data,
    );
    return { ok: true };
  }
  await record(deps, deployment, 'deployments.step.failed', step, outcome.reason);
  return failed(step, outcome.reason);
}

/** The deployment's target, checked to be in its organisation and environment. */
async function targetOf(deps: SagaDeps, deployment: Deployment): Promise<Target | undefined> {
  const target = await deps.targets.get(deployment.targetId);
  if (
    target === undefined ||
    target.orgId !== deployment.orgId ||
    target.environmentId !== deployment.environmentId
  )
    return undefined;
  return target;
}

async function targetAndDriver(
  deps: SagaDeps,
  deployment: Deployment,
): Promise<{ target: Target; driver: Driver } | { reason: string }> {
  const target = await targetOf(deps, deployment);
  if (target === undefined) return { reason: "the target does not exist in the deployment's environment" };
  const driver = deps.drivers(target.driver);
  if (driver === undefined) return { reason: `the ${target.driver} driver is not available on this stage` };
  return { target, driver };
}

/** The stack version rendered (again: rendering is pure, so later steps need not carry the text). */
async function rendered(
  deps: SagaDeps,
  deployment: Deployment,
): Promise<{ text: string } | { reason: string }> {
  const version = await deps.stackVersions.getVersion(deployment.stackId, deployment.version);
  if (version === undefined) return { reason: `stack version ${deployment.version} does not exist` };
  const result = renderTemplate(version.template, version.configuration);
  if (!result.ok)
    return { reason: `the configuration has no value for the placeholders ${result.missing.join(', ')}` };
  return { text: result.rendered };
}

export function validate(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return runStep(deps, input, 'validate', async (deployment) => {
    const found = await targetAndDriver(deps, deployment);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const decision = await deps.circuit.allow(found.target.id);
    if (!decision.allowed) return { ok: false, reason: decision.reason };
    return {
      ok: true,
      message: decision.trial ? 'validated (trial deployment of a half-open circuit)' : 'validated',
    };
  }) as Promise<StepResult>;
}

export function lock(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return runStep(deps, input, 'lock', async (deployment) => {
    const taken = await deps.deployments.acquireLock({
      stackId: deployment.stackId,
      environmentId: deployment.environmentId,
      deploymentId: deployment.id,
      acquiredAt: deps.now().toISOString(),
      expiresAt: new Date(Date.parse(deployment.createdAt) + deps.lockSeconds * 1000).toISOString(),
    });
    if (taken) return { ok: true, message: 'lock acquired' };
    const holder = await deps.deployments.getLock(deployment.stackId, deployment.environmentId);
    return {
      ok: false,
      reason: `another deployment (${holder?.deploymentId ?? 'unknown'}) holds this stack and environment`,
    };
  }) as Promise<StepResult>;
}

export function render(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return runStep(deps, input, 'render', async (deployment) => {
    const result = await rendered(deps, deployment);
    if ('reason' in result) return { ok: false, reason: result.reason };
    return {
      ok: true,
      message: `rendered version ${deployment.version}`,
      data: { version: deployment.version, characters: result.text.length },
    };
  }) as Promise<StepResult>;
}

/**
 * The deploy step, invoked with a task token: the machine waits until someone resolves it. A
 * terminal driver answer resolves it here; an accepted one leaves it stored for the callback route
 * (`resolveDeployCallback`). Either way the Lambda itself returns nothing the machine reads.
 */
export async function deploy(deps: SagaDeps, input: DeployInput): Promise<{ waiting: boolean }> {
  const result = await runStep(deps, input, 'deploy', async (deployment) => {
    const found = await targetAndDriver(deps, deployment);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const text = await rendered(deps, deployment);
    if ('reason' in text) return { ok: false, reason: text.reason };
    // Stored before the call: an agent may call back before its 202 reaches us.
    await deps.deployments.setTaskToken(deployment.id, 'deploy', input.taskToken);
    const answer = await found.driver.deploy({
      target: found.target,
      deployment,
      rendered: text.text,
      callbackUrl: deps.callbackUrl(deployment.id),
    });
    if (answer.status === 'accepted')
      return { ok: 'waiting', message: 'the target accepted the deployment; waiting for its callback' };
    if (answer.status === 'succeeded') {
      await deps.circuit.recordSuccess(found.target.id);
      return { ok: true, message: answer.message };
    }
    await deps.circuit.recordFailure(found.target.id);
    return { ok: false, reason: answer.message };
  });
  if (result.ok === 'waiting') return { waiting: true };
  await deps.deployments.setTaskToken(input.deploymentId, 'deploy', null);
  await deps.taskTokens.succeed(input.taskToken, result);
  return { waiting: false };
}

/**
 * An agent's callback (the route has checked its signature): completes or fails the waiting
 * deploy step and resolves its task token. `false` when no step is waiting (a late or repeated
 * callback); a token Step Functions no longer knows (timed out) makes the send throw.
 */
export async function resolveDeployCallback(
  deps: SagaDeps,
  deploymentId: string,
  outcome: { status: 'succeeded' | 'failed'; message: string },
): Promise<boolean> {
  const waiting = await deps.deployments.getTaskToken(deploymentId);
  const deployment = await deps.deployments.get(deploymentId);
  if (waiting === undefined || waiting.step !== 'deploy' || deployment === undefined) return false;
  let result: StepResult;
  if (outcome.status === 'succeeded') {
    await deps.circuit.recordSuccess(deployment.targetId);
    const done = await change(deps, deploymentId, (current) =>
      current.completedSteps.includes('deploy')
        ? null
        : { completedSteps: [...current.completedSteps, 'deploy'] },
    );
    await record(deps, done, 'deployments.step.succeeded', 'deploy', outcome.message);
    result = { ok: true };
  } else {
    await deps.circuit.recordFailure(deployment.targetId);
    await record(deps, deployment, 'deployments.step.failed', 'deploy', outcome.message);
    result = failed('deploy', outcome.message);
  }
  await deps.taskTokens.succeed(waiting.token, result);
  await deps.deployments.setTaskToken(deploymentId, 'deploy', null);
  return true;
}

export function healthCheck(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return runStep(deps, input, 'healthCheck', async (deployment) => {
    const found = await targetAndDriver(deps, deployment);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const text = await rendered(deps, deployment);
    if ('reason' in text) return { ok: false, reason: text.reason };
    const answer = await found.driver.health({
      target: found.target,
      deployment,
      rendered: text.text,
      callbackUrl: deps.callbackUrl(deployment.id),
    });
    if (answer.status === 'accepted')
      return { ok: false, reason: 'the health check must answer at once; the agent answered 202' };
    return answer.status === 'succeeded'
      ? { ok: true, message: answer.message }
      : { ok: false, reason: answer.message };
  }) as Promise<StepResult>;
}

/** Records the version as the environment's last good one, releases the lock, marks succeeded. */
export async function commit(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  const existing = await deps.deployments.get(input.deploymentId);
  const finishCommit = async (deployment: Deployment) => {
    await deps.deployments.setLastGood(deployment.stackId, deployment.environmentId, {
      version: deployment.version,
      deploymentId: deployment.id,
    });
    await deps.deployments.releaseLock(deployment.stackId, deployment.environmentId, deployment.id);
  };
  const announce = (deployment: Deployment) =>
    record(deps, deployment, 'deployments.succeeded', null, `version ${deployment.version} deployed`, {
      version: deployment.version,
    });
  // A retry after the point of no return: only the idempotent tail is left to do.
  if (existing?.status === 'succeeded' && existing.completedSteps.includes('commit')) {
    await finishCommit(existing);
    await announce(existing);
    return { ok: true };
  }
  const result = await runStep(deps, input, 'commit', async (deployment) => {
    const at = deps.now().toISOString();
    const done = await change(deps, deployment.id, (current) =>
      isActive(current)
        ? {
            status: 'succeeded',
            reason: null,
            finishedAt: at,
            completedSteps: [...current.completedSteps.filter((s) => s !== 'commit'), 'commit'],
          }
        : null,
    );
    if (done.status !== 'succeeded') return { ok: false, reason: blocked(done) ?? 'the deployment stopped' };
    await finishCommit(done);
    return { ok: true, message: 'committed' };
  });
  if (result.ok === true) {
    const done = await deps.deployments.get(input.deploymentId);
    if (done !== undefined) await announce(done);
  }
  return result as StepResult;
}

async function compensate(
  deps: SagaDeps,
  input: StepInput,
  name: Compensation,
  of: SagaStep,
  body: (deployment: Deployment) => Promise<{ ok: true; message: string } | { ok: false; reason: string }>,
): Promise<StepResult> {
  const deployment = await deps.deployments.get(input.deploymentId);
  if (deployment === undefined) return failed(of, 'the deployment does not exist');
  // Done already, or nothing to undo: a committed deployment is never compensated.
  if (deployment.compensations.includes(name) || deployment.status === 'succeeded') return { ok: true };
  const outcome = await body(deployment);
  if (!outcome.ok) {
    await record(deps, deployment, 'deployments.compensation.failed', of, outcome.reason, {
      compensation: name,
    });
    return failed(of, outcome.reason);
  }
  const done = await change(deps, deployment.id, (current) =>
    current.compensations.includes(name) ? null : { compensations: [...current.compensations, name] },
  );
  await record(deps, done, 'deployments.compensation.ran', of, outcome.message, { compensation: name });
  return { ok: true };
}

/** Compensation of deploy (also after a failed deploy, which may have half-applied): the driver's undo. */
export function undoDeploy(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return compensate(deps, input, 'undoDeploy', 'deploy', async (deployment) => {
    const found = await targetAndDriver(deps, deployment);
    if ('reason' in found) return { ok: false, reason: found.reason };
    const text = await rendered(deps, deployment);
    const answer = await found.driver.undo({
      target: found.target,
      deployment,
      rendered: 'text' in text ? text.text : '',
      callbackUrl: deps.callbackUrl(deployment.id),
    });
    if (answer.status === 'failed') return { ok: false, reason: `undo failed: ${answer.message}` };
    return {
      ok: true,
      message: answer.status === 'accepted' ? 'undo accepted by the target' : `undone: ${answer.message}`,
    };
  });
}

/** Compensation of lock. */
export function releaseLock(deps: SagaDeps, input: StepInput): Promise<StepResult> {
  return compensate(deps, input, 'releaseLock', 'lock', async (deployment) => {
    await deps.deployments.releaseLock(deployment.stackId, deployment.environmentId, deployment.id);
    return { ok: true, message: 'lock released' };
  });
}

const UNDONE_BY_UNDO: readonly SagaStep[] = ['deploy', 'healthCheck', 'commit'];

function reasonOf(failure: Failure): string {
  if (failure.reason !== undefined) return failure.reason;
  if (failure.error === 'States.Timeout')
    return failure.step === 'deploy'
      ? 'the target did not report the outcome of the deployment in time'
      : `the ${failure.step} step timed out`;
  // The caught error's message stays in the logs: it may describe internals.
  return `the ${failure.step} step failed after its retries`;
}

/** Ends the saga after a failure: `cancelled`, `rolled_back` (the target was changed and restored) or `failed`. */
export async function finish(
  deps: SagaDeps,
  input: FinishInput,
): Promise<{ ok: true; status: DeploymentStatus | 'unknown' }> {
  const { failure } = input;
  const first = await deps.deployments.get(input.deploymentId);
  if (first === undefined) return { ok: true, status: 'unknown' };
  if (first.finishedAt !== null) return { ok: true, status: first.status };
  await deps.deployments.setTaskToken(first.id, 'deploy', null);
  const caught = failure.error !== undefined;
  let reason = reasonOf(failure);
  if (caught) {
    await record(deps, first, 'deployments.step.failed', failure.step, reason, { error: failure.error });
    if (failure.step === 'deploy' && failure.error === 'States.Timeout')
      await deps.circuit.recordFailure(first.targetId);
  }
  // The lock must never outlive the saga: a lock step that took it and then failed is covered here.
  const held = await deps.deployments.getLock(first.stackId, first.environmentId);
  if (held?.deploymentId === first.id) await releaseLock(deps, input);

  const deployment = (await deps.deployments.get(first.id)) ?? first;
  const undone = deployment.compensations.includes('undoDeploy');
  let status: DeploymentStatus;
  if (deployment.status === 'cancelled') {
    status = 'cancelled';
    reason = deployment.reason ?? 'cancelled';
  } else if (UNDONE_BY_UNDO.includes(failure.step) && !undone) {
    status = 'failed';
    reason = `${reason}; the target could not be restored`;
  } else status = undone ? 'rolled_back' : 'failed';

  const at = deps.now().toISOString();
  const done = await change(deps, deployment.id, (current) =>
    current.finishedAt !== null || current.status === 'succeeded' ? null : { status, reason, finishedAt: at },
  );
  if (done.status === 'succeeded') return { ok: true, status: 'succeeded' };
  await record(deps, done, `deployments.${done.status}`, null, done.reason ?? reason, {
    failedStep: failure.step,
    compensations: done.compensations,
  });
  return { ok: true, status: done.status };
}

/**
 * Cancels an active deployment (the cancel route): marked `cancelled` at once, so that the next
 * step stops and the compensations run; a deploy step waiting for its agent is woken with a
 * failure. `undefined` when there is no such deployment, the record unchanged when it is over.
 */
export async function requestCancel(
  deps: SagaDeps,
  deploymentId: string,
  reason: string,
): Promise<Deployment | undefined> {
  const current = await deps.deployments.get(deploymentId);
  if (current === undefined || !isActive(current)) return current;
  const cancelled = await change(deps, deploymentId, (d) =>
    isActive(d) ? { status: 'cancelled', reason } : null,
  );
  if (cancelled.status !== 'cancelled') return cancelled;
  await record(deps, cancelled, 'deployments.cancel_requested', null, reason);
  const waiting = await deps.deployments.getTaskToken(deploymentId);
  if (waiting !== undefined) {
    await deps.taskTokens.succeed(waiting.token, failed(waiting.step, reason));
    await deps.deployments.setTaskToken(deploymentId, waiting.step, null);
  }
  return cancelled;
}
