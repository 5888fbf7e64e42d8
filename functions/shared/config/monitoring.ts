import * as z from 'zod';
import { requireEnv } from '../env.ts';

/**
 * What the monitoring routes read: the GDPR workflow resources they probe (names, not grants to
 * use them), the prefix of the stage's alarm names, and a summary of the stage config that holds
 * no secret. Both sides of each contract are here; `lib/stacks/bindings.ts` writes them.
 */

/** The GDPR workflow resources the health route probes (`lib/config/names.ts`, `gdprResourceNames`). */
export interface ObservedWorkflows {
  readonly exportQueue: string;
  readonly exportDeadLetters: string;
  readonly erasureFailures: string;
  readonly erasureStateMachineArn: string;
  readonly deploymentEvents: string;
  readonly deploymentEventDeadLetters: string;
  readonly deploymentStateMachineArn: string;
}

const WORKFLOW_ENV = {
  exportQueue: 'NIMBUS_OBSERVED_EXPORT_QUEUE',
  exportDeadLetters: 'NIMBUS_OBSERVED_EXPORT_DLQ',
  erasureFailures: 'NIMBUS_OBSERVED_ERASURE_FAILURE_QUEUE',
  erasureStateMachineArn: 'NIMBUS_OBSERVED_ERASURE_STATE_MACHINE_ARN',
  deploymentEvents: 'NIMBUS_OBSERVED_DEPLOYMENT_EVENT_QUEUE',
  deploymentEventDeadLetters: 'NIMBUS_OBSERVED_DEPLOYMENT_EVENT_DLQ',
  deploymentStateMachineArn: 'NIMBUS_OBSERVED_DEPLOYMENT_STATE_MACHINE_ARN',
} as const satisfies Record<keyof ObservedWorkflows, string>;

export function observedWorkflowsEnvironment(workflows: ObservedWorkflows): Record<string, string> {
  return Object.fromEntries(
    Object.entries(WORKFLOW_ENV).map(([key, name]) => [name, workflows[key as keyof ObservedWorkflows]]),
  );
}

export function observedWorkflowsFromEnv(): ObservedWorkflows {
  return {
    exportQueue: requireEnv(WORKFLOW_ENV.exportQueue),
    exportDeadLetters: requireEnv(WORKFLOW_ENV.exportDeadLetters),
    erasureFailures: requireEnv(WORKFLOW_ENV.erasureFailures),
    erasureStateMachineArn: requireEnv(WORKFLOW_ENV.erasureStateMachineArn),
    deploymentEvents: requireEnv(WORKFLOW_ENV.deploymentEvents),
    deploymentEventDeadLetters: requireEnv(WORKFLOW_ENV.deploymentEventDeadLetters),
    deploymentStateMachineArn: requireEnv(WORKFLOW_ENV.deploymentStateMachineArn),
  };
}

/** The stage's alarms: every alarm name of its stacks starts with this (`lib/config/names.ts`). */
export interface AlarmSettings {
  readonly alarmNamePrefix: string;
}

const ALARM_PREFIX_ENV = 'NIMBUS_ALARM_NAME_PREFIX';

export function alarmsEnvironment(settings: AlarmSettings): Record<string, string> {
  if (settings.alarmNamePrefix.length < 3) throw new Error('the alarm name prefix must name the stage');
  return { [ALARM_PREFIX_ENV]: settings.alarmNamePrefix };
}

export function alarmSettingsFromEnv(): AlarmSettings {
  return { alarmNamePrefix: requireEnv(ALARM_PREFIX_ENV) };
}

/**
 * The stage config as `GET /v1/monitoring/system-info` shows it: switches, limits and durations,
 * never a secret, an endpoint or a credential. Strict: a field added on one side only fails the
 * cold start by name instead of slipping out.
 */
export const configSummarySchema = z.strictObject({
  logLevel: z.string(),
  debugLogSampleRate: z.number(),
  features: z.record(z.string(), z.boolean()),
  api: z.strictObject({
    throttleRateLimit: z.number(),
    throttleBurstLimit: z.number(),
    maxBodyBytes: z.number(),
    authorizerCacheSeconds: z.number(),
  }),
  /** `release`: how new code reaches traffic (`allAtOnce`, or a CodeDeploy canary or linear shift). */
  functions: z.strictObject({ memoryMb: z.number(), timeoutSeconds: z.number(), release: z.string() }),
  /** Per-scope overrides of the rate-limit defaults. */
  rateLimits: z.record(
    z.string(),
    z.strictObject({ limit: z.number().optional(), window: z.string().optional() }),
  ),
  retentionDays: z.strictObject({
    logs: z.number(),
    sessions: z.number(),
    exports: z.number(),
    receipts: z.number(),
    auditPersonalFields: z.number(),
  }),
  pointInTimeRecovery: z.boolean(),
  /** Alarm thresholds. */
  alarms: z.record(z.string(), z.number()),
  /** Service-level objectives, where the stage config has them. */
  slos: z.record(z.string(), z.number()).optional(),
});

export type ConfigSummary = z.infer<typeof configSummarySchema>;

const CONFIG_SUMMARY_ENV = 'NIMBUS_CONFIG_SUMMARY';

export function configSummaryEnvironment(summary: ConfigSummary): Record<string, string> {
  return { [CONFIG_SUMMARY_ENV]: JSON.stringify(configSummarySchema.parse(summary)) };
}

export function configSummaryFromEnv(): ConfigSummary {
  const raw = requireEnv(CONFIG_SUMMARY_ENV);
  const parsed = configSummarySchema.safeParse(JSON.parse(raw));
  if (!parsed.success)
    throw new Error(`${CONFIG_SUMMARY_ENV} is not a config summary: ${parsed.error.message}`);
  return parsed.data;
}
