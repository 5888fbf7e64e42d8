import type { Deployment, DeploymentEvent, DeploymentLock, SagaStep, StackVersion } from '../domain/model.ts';

/**
 * Deployments, their event log, the per stack + environment lock and the last good version, in
 * the app table (keys in `#shared/store/table-keys.ts`). Writes are conditional: the lock is a
 * put that fails when held; a deployment's changes check its `revision`; an event takes the next
 * `seq` with a conditional put (a writer that loses re-reads and retries).
 */
export interface DeploymentStore {
  /** Creates the deployment (`pending`) and its first event (`deployments.requested`) in one transaction. */
  create(deployment: Deployment, firstEvent: Omit<DeploymentEvent, 'seq' | 'deploymentId'>): Promise<void>;
  get(deploymentId: string): Promise<Deployment | undefined>;
  /** Newest first; `cursor` is the opaque value a previous page returned. */
  listOfStack(
    stackId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: Deployment[]; cursor: string | null }>;
  /**
   * Applies `change` to the deployment if its revision is still `expectedRevision` (then +1);
   * returns the new record, or `undefined` when it changed meanwhile (the caller re-reads).
   */
  update(
    deploymentId: string,
    expectedRevision: number,
    change: Partial<
      Pick<
        Deployment,
        'status' | 'step' | 'completedSteps' | 'compensations' | 'reason' | 'finishedAt' | 'updatedAt'
      >
    >,
  ): Promise<Deployment | undefined>;
  /** Appends the next event (seq = last + 1) and returns it. */
  appendEvent(
    deploymentId: string,
    event: Omit<DeploymentEvent, 'seq' | 'deploymentId'>,
  ): Promise<DeploymentEvent>;
  /** Events with seq > `after`, oldest first, at most `limit`. */
  eventsAfter(deploymentId: string, after: number, limit: number): Promise<DeploymentEvent[]>;
  /** Takes the lock; `false` when another deployment holds it (a held lock is never overwritten). */
  acquireLock(lock: DeploymentLock): Promise<boolean>;
  /** Releases the lock if `deploymentId` holds it; releasing a lock not held is a no-op (idempotent compensations). */
  releaseLock(stackId: string, environmentId: string, deploymentId: string): Promise<void>;
  getLock(stackId: string, environmentId: string): Promise<DeploymentLock | undefined>;
  /** The last version that deployed successfully to the environment. */
  lastGood(
    stackId: string,
    environmentId: string,
  ): Promise<{ version: number; deploymentId: string } | undefined>;
  setLastGood(
    stackId: string,
    environmentId: string,
    good: { version: number; deploymentId: string },
  ): Promise<void>;
  /** Task token of the deploy step waiting for the agent's callback (the callback route reads it). */
  setTaskToken(deploymentId: string, step: SagaStep, token: string | null): Promise<void>;
  getTaskToken(deploymentId: string): Promise<{ step: SagaStep; token: string } | undefined>;
}

/** Stack versions as the saga reads them (render). */
export interface StackVersionReader {
  getVersion(stackId: string, version: number): Promise<StackVersion | undefined>;
}
