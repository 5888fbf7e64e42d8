import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';

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

export const monitoringRoutes = [cacheStats, cacheHealth, cacheInvalidate] as const;
