import { requireEnv } from '#shared/env.ts';

/**
 * Deployment settings, from the stage config (`lib/config/stages.ts`, `deployments`), bound on a
 * function by the `deployments` need. Checked at synth and at cold start.
 */
export interface DeploymentSettings {
  /** Consecutive failures of a target's driver that open its circuit (seed: 5). */
  readonly circuitFailureThreshold: number;
  /** How long an open circuit fails fast before it half-opens and lets one trial through (seed: 30 s). */
  readonly circuitCooldownSeconds: number;
  /** Whether a webhook target may use plain http to a loopback address (the `local` stage only). */
  readonly allowLoopbackHttp: boolean;
  /** Whether the `dry-run` driver may be used (demos). */
  readonly allowDryRun: boolean;
  /** Timeout of one HTTP call to an agent, in ms. */
  readonly agentTimeoutMs: number;
  /** How long the deploy step waits for an agent's callback before it fails (the task's timeout). */
  readonly callbackTimeoutSeconds: number;
  /** The most a live-log long poll waits (`waitSeconds`), under API Gateway's 29 s. */
  readonly maxWaitSeconds: number;
}

const ENV = {
  circuitFailureThreshold: 'NIMBUS_DEPLOY_CIRCUIT_FAILURES',
  circuitCooldownSeconds: 'NIMBUS_DEPLOY_CIRCUIT_COOLDOWN_SECONDS',
  allowLoopbackHttp: 'NIMBUS_DEPLOY_ALLOW_LOOPBACK_HTTP',
  allowDryRun: 'NIMBUS_DEPLOY_ALLOW_DRY_RUN',
  agentTimeoutMs: 'NIMBUS_DEPLOY_AGENT_TIMEOUT_MS',
  callbackTimeoutSeconds: 'NIMBUS_DEPLOY_CALLBACK_TIMEOUT_SECONDS',
  maxWaitSeconds: 'NIMBUS_DEPLOY_MAX_WAIT_SECONDS',
} as const;

/** Where the saga's pieces are: the state machine's ARN and the event queue's name. */
export const DEPLOYMENT_WORKFLOW_ENV = {
  stateMachineArn: 'NIMBUS_DEPLOY_STATE_MACHINE_ARN',
  eventQueueName: 'NIMBUS_DEPLOY_EVENT_QUEUE_NAME',
} as const;

/**
 * The saga's whole-execution limit, in seconds: the longest wait for an agent plus 30 minutes for
 * every other step and their retries. The state machine's timeout and the lock's lapse both use it.
 */
export function sagaTimeLimitSeconds(settings: Pick<DeploymentSettings, 'callbackTimeoutSeconds'>): number {
  return settings.callbackTimeoutSeconds + 30 * 60;
}

export function validDeploymentSettings(settings: DeploymentSettings): DeploymentSettings {
  const whole = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(
        `deployments setting ${name} must be a whole number from ${min} to ${max}, got ${value}`,
      );
  };
  whole('circuitFailureThreshold', settings.circuitFailureThreshold, 1, 100);
  whole('circuitCooldownSeconds', settings.circuitCooldownSeconds, 1, 3600);
  whole('agentTimeoutMs', settings.agentTimeoutMs, 100, 60_000);
  whole('callbackTimeoutSeconds', settings.callbackTimeoutSeconds, 5, 86_400);
  // Under the events route's 25 s function timeout, with room for the last query.
  whole('maxWaitSeconds', settings.maxWaitSeconds, 0, 22);
  return settings;
}

export function deploymentEnvironment(settings: DeploymentSettings): Record<string, string> {
  const valid = validDeploymentSettings(settings);
  return {
    [ENV.circuitFailureThreshold]: String(valid.circuitFailureThreshold),
    [ENV.circuitCooldownSeconds]: String(valid.circuitCooldownSeconds),
    [ENV.allowLoopbackHttp]: String(valid.allowLoopbackHttp),
    [ENV.allowDryRun]: String(valid.allowDryRun),
    [ENV.agentTimeoutMs]: String(valid.agentTimeoutMs),
    [ENV.callbackTimeoutSeconds]: String(valid.callbackTimeoutSeconds),
    [ENV.maxWaitSeconds]: String(valid.maxWaitSeconds),
  };
}

export function deploymentSettingsFromEnv(): DeploymentSettings {
  const number = (name: string) => Number(requireEnv(name));
  return validDeploymentSettings({
    circuitFailureThreshold: number(ENV.circuitFailureThreshold),
    circuitCooldownSeconds: number(ENV.circuitCooldownSeconds),
    allowLoopbackHttp: requireEnv(ENV.allowLoopbackHttp) === 'true',
    allowDryRun: requireEnv(ENV.allowDryRun) === 'true',
    agentTimeoutMs: number(ENV.agentTimeoutMs),
    callbackTimeoutSeconds: number(ENV.callbackTimeoutSeconds),
    maxWaitSeconds: number(ENV.maxWaitSeconds),
  });
}

/**
 * The name prefix every target credential and notification secret must have (`nimbus/<stage>/deployments/`):
 * the functions that read them are granted that prefix and nothing else, and the catalog refuses
 * a reference outside it. Bound with the settings by the `deployments` need.
 */
export const CREDENTIALS_PREFIX_ENV = 'NIMBUS_DEPLOY_CREDENTIALS_PREFIX';

export function credentialsPrefixFromEnv(): string {
  return requireEnv(CREDENTIALS_PREFIX_ENV);
}
