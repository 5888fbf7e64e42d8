/**
 * The deployment domain (WindFlow's model): Organization → Environment → Target ("element") →
 * Stack (template + configuration, versioned) → Application → Deployment → DeploymentEvent.
 * Every resource carries the `orgId` it belongs to: a caller only ever sees its own organisation's
 * (the token's `org_id`); another organisation's resources answer 404, as if they did not exist.
 * Pure types, no AWS.
 */

export const ENVIRONMENT_TYPES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

export const TARGET_KINDS = ['docker', 'swarm', 'kubernetes', 'vm', 'physical'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** How a target is driven: `webhook` (HMAC-signed POST to its agent) or `dry-run` (demos, where the stage allows it). */
export const DRIVERS = ['webhook', 'dry-run'] as const;
export type DriverName = (typeof DRIVERS)[number];

/** What every stored resource has: its org, an optimistic-concurrency revision (the ETag), times. */
export interface Versioned {
  readonly orgId: string;
  /** Starts at 1, +1 on every change; `ETag: "<revision>"`, `If-Match` must name it. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The user or API key that created it. */
  readonly createdBy: string;
}

export interface Organization extends Versioned {
  readonly id: string;
  readonly name: string;
  /**
   * Where the organisation's deployment events are sent (HMAC-signed POSTs by the notifier),
   * `null` for none; the same https / loopback rule as a target's endpoint.
   */
  readonly notificationUrl: string | null;
  /** Secrets Manager reference of the notifications' HMAC key (required with `notificationUrl`). */
  readonly notificationSecret: string | null;
}

export interface Environment extends Versioned {
  readonly id: string;
  readonly name: string;
  readonly type: EnvironmentType;
}

export interface Target extends Versioned {
  readonly id: string;
  readonly environmentId: string;
  readonly name: string;
  readonly kind: TargetKind;
  readonly driver: DriverName;
  /** The agent's URL (webhook driver): https, or http to loopback where the stage allows it. */
  readonly endpoint: string | null;
  /**
   * A Secrets Manager secret ARN or name holding the agent's HMAC key; resolved only inside the
   * driver step, never stored in the table in clear, never logged or returned beyond this reference.
   */
  readonly credentialsSecret: string | null;
}

/** One immutable version of a stack's template and configuration. */
export interface StackVersion {
  readonly stackId: string;
  readonly version: number;
  /** A template with `{{name}}` placeholders filled from `configuration` when rendered. */
  readonly template: string;
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Stack extends Versioned {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** The newest version's number (versions are 1..latestVersion). */
  readonly latestVersion: number;
}

export interface Application extends Versioned {
  readonly id: string;
  readonly stackId: string;
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
}

export const DEPLOYMENT_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];
export const ACTIVE_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = ['pending', 'running'];

/** The saga's forward steps, in order; each done step has its compensation (undo) run in reverse on failure. */
export const SAGA_STEPS = ['validate', 'lock', 'render', 'deploy', 'healthCheck', 'commit'] as const;
export type SagaStep = (typeof SAGA_STEPS)[number];

export interface Deployment {
  readonly id: string;
  readonly orgId: string;
  readonly stackId: string;
  readonly environmentId: string;
  /** The target the saga deploys to (the environment's first target at request time). */
  readonly targetId: string;
  /** The exact stack version this deployment deploys. */
  readonly version: number;
  /** `deploy` or `rollback` (a redeploy of the last successful version). */
  readonly kind: 'deploy' | 'rollback';
  readonly status: DeploymentStatus;
  /** The step running now or last run. */
  readonly step: SagaStep | null;
  /** Forward steps completed, in order (what a failure must compensate, in reverse). */
  readonly completedSteps: readonly SagaStep[];
  /** Compensations run, in the order they ran. */
  readonly compensations: readonly string[];
  /** Why it failed, was rolled back or cancelled; `null` otherwise. */
  readonly reason: string | null;
  readonly requestedBy: string;
  readonly correlationId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  readonly revision: number;
}

/** One line of a deployment's audit trail and live log; `seq` orders them (1, 2, ...). */
export interface DeploymentEvent {
  readonly deploymentId: string;
  readonly seq: number;
  /** `deployments.<what>`: `deployments.requested`, `deployments.step.started`, `deployments.succeeded`, ... */
  readonly type: string;
  readonly at: string;
  readonly step: SagaStep | null;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The lock: one active deployment per stack + environment. */
export interface DeploymentLock {
  readonly stackId: string;
  readonly environmentId: string;
  readonly deploymentId: string;
  readonly acquiredAt: string;
  /**
   * When the lock lapses: the saga's whole-execution limit after it was taken. A saga that never
   * reached Finish (its execution timed out) cannot hold a stack and environment forever.
   */
  readonly expiresAt: string;
}

/** A target's circuit breaker as its resource shows it (state in Redis, per target). */
export interface TargetCircuit {
  readonly state: 'closed' | 'open' | 'half-open';
  /** Consecutive driver failures counted so far. */
  readonly failures: number;
  /** While open: when it half-opens. */
  readonly openUntil: string | null;
}
