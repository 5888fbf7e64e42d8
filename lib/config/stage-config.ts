import type { AuthConfig } from '../../functions/auth/config.ts';
import type { DeploymentSettings } from '../../functions/deployments/config.ts';
import type { GdprSettings } from '../../functions/gdpr/config.ts';
import type { JobName, JobsSettings } from '../../functions/jobs/config.ts';
import type { ApiKeyRotationSettings } from '../../functions/shared/config/api-keys.ts';
import type { PrivacySettings } from '../../functions/shared/config/privacy.ts';
import type { SloSettings } from '../../functions/shared/config/slo.ts';
import type { Duration, ScopeName } from '../../functions/shared/ratelimit/scopes.ts';

/*
 * The shape of a stage's settings. The values of each stage are in `stages.ts`; reading and
 * checking the stage a synth names (`-c stage=...` and the other context overrides) in
 * `resolve-stage.ts`.
 */

/** Stages Nimbus knows. `local` runs on the emulator (ministack / LocalStack). */
export const STAGES = ['local', 'dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** Everything that differs between stages lives here, typed and validated once. */
export interface StageConfig {
  readonly stage: Stage;
  /** Powertools log level for every function. */
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** CloudWatch Logs retention in days (function logs and API access logs). */
  readonly logRetentionDays: 1 | 3 | 7 | 14 | 30 | 60 | 90 | 180 | 365;
  /**
   * Share of invocations that log at DEBUG whatever `logLevel` says (Powertools logger sampling):
   * a little detail from production without paying for it on every request.
   */
  readonly debugLogSampleRate: number;
  /** Keep stateful resources (tables, secrets) when the stack is deleted. */
  readonly retainData: boolean;
  /** DynamoDB point-in-time recovery. */
  readonly pointInTimeRecovery: boolean;
  /**
   * What the target supports, as data: the local emulator lacks X-Ray and API Gateway execution
   * logging (it fails a deploy on resource types it does not know). Stacks read these, never the
   * stage name.
   */
  readonly features: {
    /** X-Ray: active tracing on functions and the API stage, the Powertools Tracer loaded. */
    readonly xray: boolean;
    /**
     * API Gateway execution logs (ERROR level) through the account's CloudWatch role. Access logs
     * are on everywhere.
     */
    readonly apiExecutionLogs: boolean;
    /**
     * Secrets Manager rotation schedules that invoke a rotation function
     * (`AWS::SecretsManager::RotationSchedule`). Without it (the emulator neither provisions the
     * schedule nor calls rotation functions from `RotateSecret`) Nimbus runs the same four steps
     * itself, from the admin route and the daily job.
     */
    readonly secretRotationSchedule: boolean;
    /**
     * CloudWatch composite alarms (`AWS::CloudWatch::CompositeAlarm`): a burn-rate alarm pages only
     * when both its windows burn. Without them each window alarms on its own.
     */
    readonly compositeAlarms: boolean;
    /** An AWS Backup plan for the app and events tables (never the personal keys: see 0011). */
    readonly backups: boolean;
    /**
     * CodeDeploy for Lambda (`AWS::CodeDeploy::DeploymentGroup` shifting an alias): what a
     * `functions.release` other than `allAtOnce` needs.
     */
    readonly gradualDeployment: boolean;
  };
  readonly api: {
    /** Stage-wide steady-state requests per second (API Gateway throttling, outer guard). */
    readonly throttleRateLimit: number;
    readonly throttleBurstLimit: number;
    /** Allowed CORS origins; `*` only outside prod. */
    readonly corsOrigins: readonly string[];
    /** Maximum accepted JSON body in bytes (413 above). */
    readonly maxBodyBytes: number;
    /**
     * How long API Gateway keeps the authorizer's answer for one `Authorization` header, on the
     * routes only a signed-in user can pass (their permission is not one an API key may hold,
     * `rbac.ts`); 0 turns the gateway cache off. Within it a request costs no authorizer
     * invocation, and a revocation or demotion takes up to this long on top of the authorizer's
     * own 1 s (docs/decisions/0004-identity.md). API-key routes keep an uncached authorizer, so
     * `x-api-key` works wherever a key could pass.
     */
    readonly authorizerCacheSeconds: number;
    /**
     * Where clients reach the API, when not at the URL API Gateway reports (the emulator serves it
     * under its own host): `{apiId}` and `{stage}` are filled in. The health canary calls it.
     * @default the deployment stage's URL
     */
    readonly publicUrlTemplate?: string;
  };
  readonly functions: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    /**
     * Deploy the shared third-party dependencies once, as a Lambda layer built by `layers/`, and
     * bundle every function without them. Off on every stage: per-function bundles start faster
     * (docs/decisions/0002-layers-vs-bundling.md); the layer only makes the upload smaller.
     */
    readonly sharedDependenciesLayer: boolean;
    /**
     * How a new version of a route function or of the authorizer reaches traffic: `allAtOnce`, or
     * gradually behind the `live` alias (CodeDeploy: a canary share, or linear steps), rolled back
     * when the route's 5xx alarm or the API's fires (lib/constructs/function-releases.ts,
     * docs/decisions/0015-gradual-releases.md). Needs `features.gradualDeployment`.
     */
    readonly release: FunctionRelease;
  };
  /**
   * Per-scope overrides of the rate-limit defaults (`functions/shared/ratelimit/scopes.ts`): the
   * login scopes `auth_login` (IP + account, blocks), `auth_login_account` (account from anywhere,
   * slows) and `auth_login_ip` (IP across accounts) among them.
   */
  readonly rateLimits: Readonly<
    Partial<Record<ScopeName, { readonly limit?: number; readonly window?: Duration }>>
  >;
  /** Identity settings; the type is the one the functions read back from their environment. */
  readonly auth: AuthConfig & {
    /**
     * Days between signing-key rotations: the rotation schedule's period where the target has one,
     * the age at which the daily job rotates elsewhere (1 to 1000, Secrets Manager's bounds).
     */
    readonly signingKeyRotationDays: number;
  };
  /** API-key rotation: the old secret's overlap with the new one (default and ceiling). */
  readonly apiKeyRotation: ApiKeyRotationSettings;
  readonly redis: {
    /**
     * Upstash REST endpoint the functions call. Outside `local` the defaults below are
     * placeholders: operators point a stage at their own database with
     * `-c redisRestUrl=https://<db>.upstash.io` (https required outside `local`).
     */
    readonly restUrl: string;
    /** Timeout for health checks against Redis and DynamoDB. */
    readonly healthTimeoutMs: number;
  };
  /** Scheduled jobs (docs/decisions/0009-scheduled-jobs.md): when each runs, and what they watch for. */
  readonly jobs: JobsSettings & {
    /**
     * EventBridge schedule of each job, `rate(...)` or `cron(...)` (UTC). Every stage runs every
     * job; `local` runs them every minute or few so that tests see the rules really fire.
     */
    readonly schedules: Readonly<Record<JobName, string>>;
  };
  /**
   * GDPR: the erasure's grace period and deadline, and the retention classes of personal data
   * (docs/decisions/0012-gdpr-workflows.md).
   */
  readonly gdpr: GdprSettings;
  /** Personal data at rest (docs/decisions/0011-personal-data-at-rest.md). */
  readonly privacy: PrivacySettings;
  /**
   * Deployment sagas: the targets' circuit breaker, which drivers and endpoints a target may use,
   * agent and callback timeouts (docs/decisions/0014-deployment-sagas.md).
   */
  readonly deployments: DeploymentSettings;
  /**
   * Service level objectives per route class (p95 latency, availability), which the performance
   * route (`GET /v1/monitoring/performance`) measures the request histograms against.
   */
  readonly slo: SloSettings;
  readonly alarms: {
    readonly api5xxPerMinute: number;
    readonly p99LatencyMs: number;
    readonly lambdaErrorsPerMinute: number;
    /**
     * Who hears the alarm topic: email addresses (SNS asks each to confirm) and HTTPS webhooks.
     * Operators set them per deploy, never in the repository: `-c alarmEmails=a@x.io,b@x.io
     * -c alarmWebhooks=https://hooks.example/nimbus` (`resolveStage`). @default none
     */
    readonly subscriptions: AlarmSubscriptions;
  };
}

/** CodeDeploy's predefined Lambda deployment configurations Nimbus offers, or none. */
export const FUNCTION_RELEASES = [
  'allAtOnce',
  'canary10Percent5Minutes',
  'canary10Percent10Minutes',
  'canary10Percent15Minutes',
  'linear10PercentEvery1Minute',
  'linear10PercentEvery2Minutes',
] as const;
export type FunctionRelease = (typeof FUNCTION_RELEASES)[number];

export interface AlarmSubscriptions {
  readonly emails: readonly string[];
  readonly webhooks: readonly string[];
}
