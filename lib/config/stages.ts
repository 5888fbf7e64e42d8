import { z } from 'zod';
import type { AuthConfig } from '../../functions/auth/config.ts';
import { type DeploymentSettings, validDeploymentSettings } from '../../functions/deployments/config.ts';
import { type GdprSettings, validGdprSettings } from '../../functions/gdpr/config.ts';
import type { JobName, JobsSettings } from '../../functions/jobs/config.ts';
import {
  type ApiKeyRotationSettings,
  validRotationSettings,
} from '../../functions/shared/config/api-keys.ts';
import {
  DEFAULT_PRIVACY_SETTINGS,
  type PrivacySettings,
  validPrivacySettings,
} from '../../functions/shared/config/privacy.ts';
import {
  DEFAULT_SLO_SETTINGS,
  type SloSettings,
  validSloSettings,
} from '../../functions/shared/config/slo.ts';
import type { Duration, ScopeName } from '../../functions/shared/ratelimit/scopes.ts';

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

const base = {
  rateLimits: {},
  // A day lets every client of a rotated key pick up the new secret; a week is the most a caller
  // may ask for (an old secret should not linger).
  apiKeyRotation: { defaultOverlapSeconds: 24 * 3600, maxOverlapSeconds: 7 * 24 * 3600 },
  functions: { memoryMb: 512, timeoutSeconds: 10, sharedDependenciesLayer: false, release: 'allAtOnce' },
  alarms: {
    api5xxPerMinute: 5,
    p99LatencyMs: 1500,
    lambdaErrorsPerMinute: 5,
    subscriptions: { emails: [], webhooks: [] },
  },
  deployments: {
    // WindFlow's defaults: a target that failed 5 times in a row is left alone for 30 s.
    circuitFailureThreshold: 5,
    circuitCooldownSeconds: 30,
    allowLoopbackHttp: false,
    allowDryRun: false,
    agentTimeoutMs: 10_000,
    callbackTimeoutSeconds: 30 * 60,
    maxWaitSeconds: 20,
  },
  gdpr: {
    // A day to change one's mind (or to catch a request that was not the person's); then the
    // point of no return. The deadline alarm fires well inside the legal month.
    erasureGraceSeconds: 24 * 3600,
    erasureDeadlineDays: 25,
    retentionDays: {
      sessions: 30,
      exports: 7,
      // Receipts hold no personal data; kept as proof for a usual limitation period.
      receipts: 5 * 365,
    },
  },
  privacy: DEFAULT_PRIVACY_SETTINGS,
  slo: DEFAULT_SLO_SETTINGS,
  jobs: {
    expiryWarningDays: 14,
    signingKeyGraceDays: 3,
    // Rotation at night, the watch at the start of the European working day (UTC).
    schedules: {
      rotateDue: 'cron(0 3 * * ? *)',
      expiryWatch: 'cron(0 8 * * ? *)',
      retentionCleanup: 'cron(30 2 * * ? *)',
      healthCanary: 'rate(5 minutes)',
    },
  },
} as const;

/** Identity defaults shared by every stage; each stage says who may register and its key prefix. */
function authFor(
  stage: Stage,
  overrides: Pick<AuthConfig, 'registration' | 'apiKeyEnvironment'> & Partial<StageConfig['auth']>,
): StageConfig['auth'] {
  return {
    issuer: `https://nimbus.dev/${stage}`,
    audience: 'nimbus-api',
    accessTokenTtlSeconds: 900,
    refreshIdleSeconds: 7 * 24 * 3600,
    refreshAbsoluteSeconds: 30 * 24 * 3600,
    refreshReuseGraceSeconds: 10,
    authorizerCacheSeconds: 30,
    stepUpMaxAgeSeconds: 5 * 60,
    attemptBudget: 10,
    lockoutSeconds: 15 * 60,
    maxLockoutSeconds: 24 * 3600,
    signingKeyRotationDays: 30,
    ...overrides,
  };
}

const cloudFeatures = {
  xray: true,
  apiExecutionLogs: true,
  secretRotationSchedule: true,
  compositeAlarms: true,
  backups: false,
  gradualDeployment: true,
} as const;

export const STAGE_CONFIGS: Readonly<Record<Stage, StageConfig>> = {
  local: {
    ...base,
    stage: 'local',
    // e2e suites register and log into many accounts from one IP.
    rateLimits: {
      auth_register: { limit: 10_000 },
      auth_login_ip: { limit: 10_000 },
      global: { limit: 10_000 },
    },
    // Short locally so tests see revocations at once; 30 s elsewhere (documented delay).
    auth: authFor('local', { registration: 'open', apiKeyEnvironment: 'test', authorizerCacheSeconds: 1 }),
    logLevel: 'DEBUG',
    logRetentionDays: 1,
    debugLogSampleRate: 0,
    retainData: false,
    pointInTimeRecovery: false,
    features: {
      xray: false,
      apiExecutionLogs: false,
      secretRotationSchedule: false,
      compositeAlarms: false,
      backups: false,
      gradualDeployment: false,
    },
    // Off: the e2e suites revoke and demote and expect the next request to see it.
    api: {
      throttleRateLimit: 1000,
      throttleBurstLimit: 2000,
      corsOrigins: ['*'],
      maxBodyBytes: 1_048_576,
      authorizerCacheSeconds: 0,
      // The emulator's form of the URL (LOCAL.md): functions run on this machine and reach it here.
      publicUrlTemplate: 'http://127.0.0.1:4566/_aws/execute-api/{apiId}/{stage}',
    },
    redis: { restUrl: 'http://127.0.0.1:8079', healthTimeoutMs: 1000 },
    // Short so that the e2e suite sees the rules fire within a minute of deploying.
    jobs: {
      ...base.jobs,
      schedules: {
        rotateDue: 'rate(5 minutes)',
        expiryWatch: 'rate(1 minute)',
        retentionCleanup: 'rate(2 minutes)',
        healthCanary: 'rate(1 minute)',
      },
    },
    // Seconds, so that the e2e suite (and a person trying it) sees an erasure complete.
    gdpr: { ...base.gdpr, erasureGraceSeconds: 5 },
    // Agents run on this machine (plain http to loopback); short waits so the e2e suite sees a
    // silent agent's step time out and a circuit half-open.
    deployments: {
      ...base.deployments,
      allowLoopbackHttp: true,
      allowDryRun: true,
      circuitCooldownSeconds: 10,
      agentTimeoutMs: 3000,
      callbackTimeoutSeconds: 15,
    },
  },
  dev: {
    ...base,
    stage: 'dev',
    auth: authFor('dev', { registration: 'open', apiKeyEnvironment: 'test' }),
    logLevel: 'DEBUG',
    logRetentionDays: 7,
    debugLogSampleRate: 0,
    retainData: false,
    pointInTimeRecovery: true,
    features: cloudFeatures,
    api: {
      throttleRateLimit: 100,
      throttleBurstLimit: 200,
      corsOrigins: ['*'],
      maxBodyBytes: 1_048_576,
      authorizerCacheSeconds: 5,
    },
    redis: { restUrl: 'https://nimbus-dev.upstash.io', healthTimeoutMs: 800 },
    // Demos run on dev: the dry-run driver deploys nothing and succeeds.
    deployments: { ...base.deployments, allowDryRun: true },
  },
  staging: {
    ...base,
    stage: 'staging',
    auth: authFor('staging', { registration: 'admin', apiKeyEnvironment: 'test' }),
    logLevel: 'INFO',
    logRetentionDays: 30,
    debugLogSampleRate: 0,
    retainData: true,
    pointInTimeRecovery: true,
    features: cloudFeatures,
    api: {
      throttleRateLimit: 500,
      throttleBurstLimit: 1000,
      corsOrigins: ['https://staging.nimbus.example'],
      maxBodyBytes: 1_048_576,
      authorizerCacheSeconds: 5,
    },
    redis: { restUrl: 'https://nimbus-staging.upstash.io', healthTimeoutMs: 500 },
    // 10 % of the traffic on the new code for 5 minutes, then all of it, unless an alarm fires.
    functions: { ...base.functions, release: 'canary10Percent5Minutes' },
  },
  prod: {
    ...base,
    stage: 'prod',
    auth: authFor('prod', { registration: 'admin', apiKeyEnvironment: 'live' }),
    logLevel: 'INFO',
    logRetentionDays: 365,
    debugLogSampleRate: 0.01,
    retainData: true,
    pointInTimeRecovery: true,
    features: { ...cloudFeatures, backups: true },
    api: {
      throttleRateLimit: 2000,
      throttleBurstLimit: 5000,
      corsOrigins: ['https://app.nimbus.example'],
      maxBodyBytes: 1_048_576,
      authorizerCacheSeconds: 5,
    },
    redis: { restUrl: 'https://nimbus-prod.upstash.io', healthTimeoutMs: 500 },
    // Longer than staging: a route's 5xx alarm needs two bad minutes, and prod's traffic is real.
    functions: { ...base.functions, release: 'canary10Percent10Minutes' },
    alarms: {
      api5xxPerMinute: 1,
      p99LatencyMs: 1000,
      lambdaErrorsPerMinute: 1,
      subscriptions: { emails: [], webhooks: [] },
    },
  },
};

const stageSchema = z.enum(STAGES);

/**
 * Resolves the stage from CDK context (`-c stage=...`), defaulting to `local`.
 * Throws with the list of valid stages on anything else.
 */
export function resolveStage(
  raw: unknown,
  overrides: {
    readonly redisRestUrl?: unknown;
    /** Comma-separated email addresses subscribed to the alarm topic (`-c alarmEmails=...`). */
    readonly alarmEmails?: unknown;
    /** Comma-separated HTTPS URLs subscribed to the alarm topic (`-c alarmWebhooks=...`). */
    readonly alarmWebhooks?: unknown;
  } = {},
): StageConfig {
  const parsed = stageSchema.safeParse(raw ?? 'local');
  if (!parsed.success) {
    throw new Error(
      `Invalid stage ${JSON.stringify(raw)}: expected one of ${STAGES.join(', ')} (-c stage=...)`,
    );
  }
  let config = STAGE_CONFIGS[parsed.data];
  if (overrides.redisRestUrl !== undefined) {
    // The Upstash token rides in a header of every call: plain http only on the local emulator.
    const local = config.stage === 'local';
    const url = z.url({ protocol: local ? /^https?$/ : /^https$/ }).safeParse(overrides.redisRestUrl);
    if (!url.success) {
      const expected = local ? 'an http(s) URL' : 'an https URL (plain http is allowed on local only)';
      throw new Error(
        `Invalid redisRestUrl ${JSON.stringify(overrides.redisRestUrl)} for stage ${config.stage}: expected ${expected}`,
      );
    }
    config = { ...config, redis: { ...config.redis, restUrl: url.data } };
  }
  if (overrides.alarmEmails !== undefined || overrides.alarmWebhooks !== undefined) {
    config = {
      ...config,
      alarms: {
        ...config.alarms,
        subscriptions: alarmSubscriptions(config.stage, overrides.alarmEmails, overrides.alarmWebhooks),
      },
    };
  }
  const { signingKeyRotationDays } = config.auth;
  if (
    !Number.isInteger(signingKeyRotationDays) ||
    signingKeyRotationDays < 1 ||
    signingKeyRotationDays > 1000
  ) {
    throw new Error(`auth.signingKeyRotationDays of ${config.stage} must be an integer from 1 to 1000`);
  }
  validRelease(config);
  if (config.stage === 'prod' && config.api.corsOrigins.includes('*')) {
    throw new Error('prod must not allow CORS origin *');
  }
  // The same rule the functions apply at cold start: a bad stage fails the synth, not a Lambda.
  validRotationSettings(config.apiKeyRotation);
  validGdprSettings(config.gdpr);
  validDeploymentSettings(config.deployments);
  validPrivacySettings(config.privacy);
  validSloSettings(config.slo);
  return config;
}

/** A gradual `functions.release` needs a target with CodeDeploy (`features.gradualDeployment`). */
export function validRelease(config: Pick<StageConfig, 'stage' | 'features' | 'functions'>): void {
  if (!FUNCTION_RELEASES.includes(config.functions.release))
    throw new Error(
      `functions.release of ${config.stage} must be one of ${FUNCTION_RELEASES.join(', ')}, got ${JSON.stringify(config.functions.release)}`,
    );
  if (config.functions.release !== 'allAtOnce' && !config.features.gradualDeployment)
    throw new Error(
      `functions.release ${config.functions.release} of ${config.stage} needs a target with gradual deployments (features.gradualDeployment)`,
    );
}

/**
 * The alarm topic's subscribers from comma-separated context values: each email must look like one
 * and each webhook be an https URL (SNS delivers alarm messages, which name the stage's resources).
 * A bad entry fails the synth, naming it.
 */
function alarmSubscriptions(stage: Stage, emails: unknown, webhooks: unknown): AlarmSubscriptions {
  const list = (value: unknown, name: string): string[] => {
    if (value === undefined) return [];
    if (typeof value !== 'string')
      throw new Error(`${name} must be a comma-separated list, got ${JSON.stringify(value)}`);
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  };
  const badEmail = list(emails, 'alarmEmails').filter((email) => !z.email().safeParse(email).success);
  const badHook = list(webhooks, 'alarmWebhooks').filter(
    (url) => !z.url({ protocol: /^https$/ }).safeParse(url).success,
  );
  if (badEmail.length > 0 || badHook.length > 0)
    throw new Error(
      `Invalid alarm subscribers for stage ${stage}: ${[...badEmail.map((e) => `email ${JSON.stringify(e)}`), ...badHook.map((u) => `webhook ${JSON.stringify(u)} (https only)`)].join(', ')}`,
    );
  return {
    emails: [...new Set(list(emails, 'alarmEmails'))],
    webhooks: [...new Set(list(webhooks, 'alarmWebhooks'))],
  };
}
