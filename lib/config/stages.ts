import type { AuthConfig } from '../../functions/auth/config.ts';
import { DEFAULT_PRIVACY_SETTINGS } from '../../functions/shared/config/privacy.ts';
import { DEFAULT_SLO_SETTINGS } from '../../functions/shared/config/slo.ts';
import type { Stage, StageConfig } from './stage-config.ts';

export {
  type AlarmSubscriptions,
  FUNCTION_RELEASES,
  type FunctionRelease,
  STAGES,
  type Stage,
  type StageConfig,
} from './stage-config.ts';

/*
 * Each stage's settings, as data (the shape and what every field means: `stage-config.ts`). A
 * synth reads one through `resolveStage` (`resolve-stage.ts`), which checks it.
 */

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
