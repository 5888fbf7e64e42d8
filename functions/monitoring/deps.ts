import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { fleetStats, responseCache } from '#shared/cache/response-cache.ts';
import type { Cache } from '#shared/cache/two-level-cache.ts';
import { type CircuitBreakerState, circuitBreakerStates } from '#shared/circuit-breaker.ts';
import { BINDING_ENV, boundResource } from '#shared/config/bindings.ts';
import { type BuildInfo, buildInfoFromEnv } from '#shared/config/build.ts';
import {
  alarmSettingsFromEnv,
  type ConfigSummary,
  configSummaryFromEnv,
  observedWorkflowsFromEnv,
} from '#shared/config/monitoring.ts';
import { redisSettingsFromEnv } from '#shared/config/redis.ts';
import { type SloSettings, sloSettingsFromEnv } from '#shared/config/slo.ts';
import { optionalEnv } from '#shared/env.ts';
import type { Probe } from '#shared/health/checks.ts';
import { dynamoProbe, redisProbe } from '#shared/health/probes.ts';
import type { ActiveAlarm } from './domain/alarms.ts';
import { type RequestMetricsStore, redisRequestMetricsStore } from './store/request-metrics.ts';

/** The shared response cache as the monitoring use cases see it. */
export interface CacheMonitoringDeps {
  readonly cache: Pick<Cache, 'health' | 'invalidateTags' | 'invalidateUser'>;
  readonly fleetStats: typeof fleetStats;
}

/** Invalidation is audited: it also appends to the event store. */
export interface CacheAdminDeps extends CacheMonitoringDeps {
  readonly events: Pick<EventStore, 'append'>;
}

export function cacheMonitoringDeps(): CacheMonitoringDeps {
  return { cache: responseCache, fleetStats };
}

export function cacheAdminDeps(): CacheAdminDeps {
  return { ...cacheMonitoringDeps(), events: dynamoEventStore(boundResource('eventsTable')) };
}

/** The request histograms, and the clock that places the window. */
export interface RequestMetricsDeps {
  readonly store: RequestMetricsStore;
  readonly now: () => number;
}

/** The performance report also measures against the stage's SLOs. */
export interface PerformanceDeps extends RequestMetricsDeps {
  readonly slo: SloSettings;
}

export function requestMetricsDeps(): RequestMetricsDeps {
  return { store: redisRequestMetricsStore(), now: Date.now };
}

export function performanceDeps(): PerformanceDeps {
  return { ...requestMetricsDeps(), slo: sloSettingsFromEnv() };
}

// ---- Health, alerts and system info (issue 13) ----

/** What the health report checks: the probes, their bound, and this container's breakers. */
export interface HealthDeps {
  readonly probes: readonly Probe[];
  readonly timeoutMs: number;
  /** A dependency answering after this long is reported slow (degraded). */
  readonly slowMs: number;
  readonly breakers: () => Readonly<Record<string, CircuitBreakerState>>;
  readonly now: () => Date;
}

export interface SystemInfoDeps extends HealthDeps {
  readonly build: BuildInfo;
  readonly config: ConfigSummary;
}

export interface AlertsDeps {
  readonly alarmNamePrefix: string;
  readonly alarmsInAlarm: (namePrefix: string) => Promise<ActiveAlarm[]>;
}

export interface AlertTestDeps {
  readonly stage: string;
  /** Publishes to the stage's alarm topic; resolves with the message id. */
  readonly publish: (subject: string, message: string) => Promise<string>;
  readonly events: Pick<EventStore, 'append'>;
  readonly now: () => Date;
}

/** The secrets a function may be bound to; the health route probes those it is bound to. */
const SECRET_BINDINGS = [
  'upstashTokenSecret',
  'rateLimitKeySecret',
  'signingKeysSecret',
  'dataKeySecret',
] as const;

/**
 * Required: the tables (every route reads or audits through them) and the secrets (a new container
 * cannot start without them). Optional: Redis (the limiter and the cache have fallbacks) and the
 * GDPR and deployment workflows (asynchronous: the API answers while they wait).
 */
export async function healthDeps(): Promise<HealthDeps> {
  // Only the health routes load the SQS, Step Functions and Secrets Manager clients.
  const { queueProbe, secretProbe, stateMachineProbe } = await import('./store/probes.ts');
  const workflows = observedWorkflowsFromEnv();
  const secrets = SECRET_BINDINGS.flatMap((binding) => {
    const arn = optionalEnv(BINDING_ENV[binding], '');
    return arn === '' ? [] : [secretProbe(`secretsmanager:${binding}`, arn)];
  });
  const timeoutMs = redisSettingsFromEnv().healthTimeoutMs;
  return {
    probes: [
      dynamoProbe(boundResource('appTable'), 'dynamodb:app'),
      dynamoProbe(boundResource('eventsTable'), 'dynamodb:events'),
      dynamoProbe(boundResource('personalKeysTable'), 'dynamodb:personalKeys'),
      { ...redisProbe, required: false },
      ...secrets,
      queueProbe('sqs:gdprExports', workflows.exportQueue),
      queueProbe('sqs:gdprExportsDeadLetters', workflows.exportDeadLetters, {
        warnWhenNotEmpty: 'dead letters waiting',
      }),
      queueProbe('sqs:gdprErasureFailures', workflows.erasureFailures, {
        warnWhenNotEmpty: 'failed erasures waiting',
      }),
      stateMachineProbe('stepfunctions:gdprErasure', workflows.erasureStateMachineArn),
      queueProbe('sqs:deploymentEvents', workflows.deploymentEvents),
      queueProbe('sqs:deploymentEventsDeadLetters', workflows.deploymentEventDeadLetters, {
        warnWhenNotEmpty: 'undelivered deployment events waiting',
      }),
      stateMachineProbe('stepfunctions:deploymentSaga', workflows.deploymentStateMachineArn),
    ],
    timeoutMs,
    // Half the bound: a dependency that slow still answers, but eats most of a request's budget.
    slowMs: Math.round(timeoutMs / 2),
    breakers: circuitBreakerStates,
    now: () => new Date(),
  };
}

export async function systemInfoDeps(): Promise<SystemInfoDeps> {
  return { ...(await healthDeps()), build: buildInfoFromEnv(), config: configSummaryFromEnv() };
}

export async function alertsDeps(): Promise<AlertsDeps> {
  const { alarmsInAlarm } = await import('./store/alarms.ts');
  return { alarmNamePrefix: alarmSettingsFromEnv().alarmNamePrefix, alarmsInAlarm };
}

export async function alertTestDeps(): Promise<AlertTestDeps> {
  const topicArn = boundResource('alertTopic');
  const { publish } = await import('#shared/clients/sns.ts');
  return {
    stage: buildInfoFromEnv().stage,
    publish: (subject, message) => publish(topicArn, subject, message),
    events: dynamoEventStore(boundResource('eventsTable')),
    now: () => new Date(),
  };
}
