import * as z from 'zod';
import { configSummarySchema } from '#shared/config/monitoring.ts';
import { routeBuilders } from '#shared/http/route.ts';
import { PROMETHEUS_CONTENT_TYPE } from './domain/prometheus.ts';
import { windowMinutes } from './domain/window.ts';

const { principalRoute } = routeBuilders({ tags: ['monitoring'] });
const level = z.object({ hits: z.number(), misses: z.number() });

export const cacheStats = principalRoute({
  id: 'monitoring.cacheStats',
  method: 'GET',
  path: '/v1/monitoring/cache/stats',
  handler: 'functions/monitoring/handlers/cache-stats.ts',
  summary: 'Response cache counters across containers: hits/misses per level, hit rate, fallbacks',
  permission: 'monitoring:read',
  needs: ['redis'],
  responses: {
    200: {
      description: 'Counters',
      schema: z.object({
        l1: level,
        l2: level.extend({ errors: z.number() }),
        loads: z.number(),
        stale: z.number(),
        fallbacks: z.number(),
        hitRate: z.number(),
        l2LatencyMs: z.object({ avg: z.number(), p99: z.number() }),
      }),
    },
  },
});

export const cacheHealth = principalRoute({
  id: 'monitoring.cacheHealth',
  method: 'GET',
  path: '/v1/monitoring/cache/health',
  handler: 'functions/monitoring/handlers/cache-health.ts',
  summary: 'Whether the cache reaches Redis (L2), and how fast',
  permission: 'monitoring:read',
  needs: ['redis'],
  responses: {
    200: { description: 'L2 answers', schema: z.object({ l2: z.literal('ok'), latencyMs: z.number() }) },
    503: { description: 'L2 unreachable: the cache serves L1 and stale values only' },
  },
});

export const cacheInvalidate = principalRoute({
  id: 'monitoring.cacheInvalidate',
  method: 'POST',
  path: '/v1/monitoring/cache/invalidate',
  handler: 'functions/monitoring/handlers/cache-invalidate.ts',
  summary: 'Invalidate cached responses by tag and/or user, in every container (audited)',
  permission: 'cache:admin',
  needs: ['redis', 'events:append'],
  request: {
    body: z
      .strictObject({
        tags: z
          .array(z.string().regex(/^[a-z]+:[A-Za-z0-9._-]{1,128}$/, 'kind:name, e.g. route:auth.me'))
          .max(50)
          .optional(),
        userId: z.string().min(1).max(128).optional(),
      })
      .refine((b) => (b.tags?.length ?? 0) > 0 || b.userId !== undefined, 'give tags, userId or both'),
  },
  responses: {
    202: {
      description: 'Invalidated',
      schema: z.object({ tags: z.array(z.string()), userId: z.string().nullable() }),
    },
  },
});

/** `?window=15m`: 1m to 24h, in minutes (`m`) or hours (`h`). */
const windowQuery = z.strictObject({
  window: z
    .string()
    .default('15m')
    .transform((label, ctx) => {
      const minutes = windowMinutes(label);
      if (minutes === undefined) {
        ctx.addIssue({ code: 'custom', message: 'a window from 1m to 24h, e.g. 15m or 2h' });
        return z.NEVER;
      }
      return { label, minutes };
    }),
});

const percentiles = {
  count: z.number(),
  errorRate: z.number(),
  clientErrorRate: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  meanMs: z.number().nullable(),
  throughput: z.number(),
};
const windowMeta = { window: z.string(), from: z.string(), to: z.string(), seconds: z.number() };
const routeClass = z.enum(['gateway', 'api']);
const classPerformance = z.object({
  ...percentiles,
  routes: z.number(),
  slo: z.object({ p95Ms: z.number(), availability: z.number() }),
  latency: z.object({ met: z.boolean().nullable(), slowShare: z.number(), budgetRemaining: z.number() }),
  availability: z.object({
    actual: z.number(),
    met: z.boolean().nullable(),
    errorBudgetRemaining: z.number(),
  }),
});
const unavailable = { description: 'Redis unreachable: the request metrics cannot be read' };

export const requestMetrics = principalRoute({
  id: 'monitoring.metrics',
  method: 'GET',
  path: '/v1/monitoring/metrics',
  handler: 'functions/monitoring/handlers/metrics.ts',
  summary:
    'Request latency per route over a window: count, error rates, p50/p95/p99 (within bucket resolution), throughput',
  permission: 'monitoring:read',
  needs: ['redis'],
  request: { query: windowQuery },
  responses: {
    200: {
      description: 'Per route id and in total',
      schema: z.object({
        ...windowMeta,
        bucketsMs: z.array(z.number()),
        routes: z.record(z.string(), z.object({ class: routeClass, ...percentiles })),
        totals: z.object(percentiles),
      }),
    },
    503: unavailable,
  },
});

export const prometheusMetrics = principalRoute({
  id: 'monitoring.prometheus',
  method: 'GET',
  path: '/v1/monitoring/metrics/prometheus',
  handler: 'functions/monitoring/handlers/prometheus.ts',
  summary: 'The request histograms over a window in the Prometheus text format (0.0.4)',
  permission: 'monitoring:read',
  needs: ['redis'],
  request: { query: windowQuery },
  responses: {
    200: {
      description: 'nimbus_http_request_duration_seconds and nimbus_http_requests_total',
      contentType: PROMETHEUS_CONTENT_TYPE,
    },
    503: unavailable,
  },
});

export const sloPerformance = principalRoute({
  id: 'monitoring.performance',
  method: 'GET',
  path: '/v1/monitoring/performance',
  handler: 'functions/monitoring/handlers/performance.ts',
  summary:
    'Latency percentiles per route class (gateway: public, api: authenticated) against their SLOs, and the error budget left',
  permission: 'monitoring:read',
  needs: ['redis', 'slo'],
  request: { query: windowQuery },
  responses: {
    200: {
      description: 'Per route class',
      schema: z.object({
        ...windowMeta,
        classes: z.object({ gateway: classPerformance, api: classPerformance }),
      }),
    },
    503: unavailable,
  },
});

export const monitoringRoutes = [
  cacheStats,
  cacheHealth,
  cacheInvalidate,
  requestMetrics,
  prometheusMetrics,
  sloPerformance,
] as const;

// ---- Health v2, alerts and system info (issue 13) ----

const dependencyCheck = z.object({
  status: z.enum(['ok', 'degraded', 'fail']),
  latencyMs: z.number(),
  /** A required dependency failing takes the service down; an optional one degrades it. */
  required: z.boolean(),
  error: z.string().optional(),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const healthReport = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  checkedAt: z.string(),
  down: z.array(z.string()),
  degraded: z.array(z.string()),
  dependencies: z.record(z.string(), dependencyCheck),
  circuitBreakers: z.record(
    z.string(),
    z.object({ state: z.enum(['open', 'closed']), openForMs: z.number() }),
  ),
});

/** What the health probes read: one item per table, Redis, the GDPR workflows' queues and machine. */
const HEALTH_NEEDS = ['tables:probe', 'redis', 'workflows:observe'] as const;

export const monitoringHealth = principalRoute({
  id: 'monitoring.health',
  method: 'GET',
  path: '/v1/monitoring/health',
  handler: 'functions/monitoring/handlers/health.ts',
  summary:
    'Health v2: every dependency (tables, Redis, secrets, GDPR queues and state machine) with its state and latency, and the circuit breakers',
  permission: 'monitoring:read',
  needs: HEALTH_NEEDS,
  responses: {
    200: {
      description: 'ok, or degraded (an optional dependency failed, or one is slow)',
      schema: healthReport,
    },
    503: {
      description: 'down: a required dependency failed. The body is the same report, not a problem document',
      schema: healthReport,
      contentType: 'application/json',
    },
  },
});

export const monitoringAlerts = principalRoute({
  id: 'monitoring.alerts',
  method: 'GET',
  path: '/v1/monitoring/alerts',
  handler: 'functions/monitoring/handlers/alerts.ts',
  summary: "The stage's CloudWatch alarms now in ALARM state, newest first",
  permission: 'monitoring:read',
  needs: ['alarms:read', 'redis'],
  responses: {
    200: {
      description: 'Alarms in ALARM state',
      schema: z.object({
        count: z.number(),
        alarms: z.array(
          z.object({
            name: z.string(),
            kind: z.enum(['metric', 'composite']),
            state: z.string(),
            description: z.string().nullable(),
            reason: z.string().nullable(),
            since: z.string().nullable(),
            metric: z.string().nullable(),
          }),
        ),
      }),
    },
    503: { description: 'CloudWatch did not answer' },
  },
});

export const monitoringAlertTest = principalRoute({
  id: 'monitoring.alertTest',
  method: 'POST',
  path: '/v1/monitoring/alerts/test',
  handler: 'functions/monitoring/handlers/alert-test.ts',
  summary: "Publish a test alert to the stage's alarm topic (audited)",
  permission: 'monitoring:admin',
  needs: ['alerts:publish', 'events:append', 'redis'],
  responses: {
    202: {
      description: 'Published',
      schema: z.object({ messageId: z.string(), sentAt: z.string() }),
    },
    503: { description: 'The alarm topic did not accept the message' },
  },
});

export const systemInfo = principalRoute({
  id: 'monitoring.systemInfo',
  method: 'GET',
  path: '/v1/monitoring/system-info',
  handler: 'functions/monitoring/handlers/system-info.ts',
  summary: 'Version, build, stage, a summary of the stage config (no secrets) and dependency health',
  permission: 'monitoring:admin',
  needs: [...HEALTH_NEEDS, 'config:summary'],
  responses: {
    200: {
      description: 'System information',
      schema: z.object({
        name: z.literal('nimbus'),
        build: z.object({
          stage: z.string(),
          version: z.string(),
          commit: z.string(),
          buildTime: z.string(),
        }),
        stage: z.string(),
        config: configSummarySchema,
        health: healthReport,
      }),
    },
  },
});

export const monitoringHealthRoutes = [
  monitoringHealth,
  monitoringAlerts,
  monitoringAlertTest,
  systemInfo,
] as const;
