import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';

const { publicRoute } = routeBuilders({ tags: ['platform'] });

const check = z.object({
  status: z.enum(['ok', 'fail']),
  latencyMs: z.number(),
  error: z.string().optional(),
});

export const healthLive = publicRoute({
  id: 'platform.healthLive',
  method: 'GET',
  path: '/health',
  handler: 'functions/platform/handlers/health-live.ts',
  summary: 'Liveness: the function answers; checks no dependency',
  rateLimit: [],
  responses: {
    200: { description: 'Alive', schema: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }) },
  },
});

export const healthReady = publicRoute({
  id: 'platform.healthReady',
  method: 'GET',
  path: '/health/ready',
  handler: 'functions/platform/handlers/health-ready.ts',
  summary: 'Readiness: DynamoDB and Redis answer within a short timeout',
  // Each call reads DynamoDB and Redis: unlimited, it would turn a flood into load on both. The
  // `global` scope fails `local`, so the probe still answers (503 naming redis) when Redis is down.
  rateLimit: ['global'],
  needs: ['app:read', 'redis'],
  responses: {
    200: {
      description: 'Every dependency answered',
      schema: z.object({ status: z.literal('ok'), checks: z.record(z.string(), check) }),
    },
    503: { description: 'A dependency failed; the problem names it in `checks`' },
  },
});

export const version = publicRoute({
  id: 'platform.version',
  method: 'GET',
  path: '/version',
  handler: 'functions/platform/handlers/version.ts',
  summary: 'Version, commit, stage and build time of the deployed code',
  rateLimit: [],
  responses: {
    200: {
      description: 'Build information',
      schema: z.object({
        name: z.string(),
        version: z.string(),
        commit: z.string(),
        stage: z.string(),
        buildTime: z.string(),
      }),
    },
  },
});

export const openapi = publicRoute({
  id: 'platform.openapi',
  method: 'GET',
  path: '/openapi.json',
  handler: 'functions/platform/handlers/openapi.ts',
  summary: 'The OpenAPI 3.1 document of this API, generated from the route table',
  rateLimit: [],
  cache: { dataClass: 'configuration', perPrincipal: false },
  needs: ['redis'],
  responses: { 200: { description: 'OpenAPI document', contentType: 'application/json' } },
});

export const platformRoutes = [healthLive, healthReady, version, openapi] as const;

/**
 * The row of the function API Gateway sends unknown paths (404) and undeclared methods (405) to.
 * Not in the route table: it serves no path of its own.
 */
export const fallback = publicRoute({
  id: 'platform.fallback',
  method: 'GET',
  path: '/{proxy+}',
  handler: 'functions/platform/handlers/fallback.ts',
  summary: 'Unknown route or method',
  rateLimit: [],
  responses: {},
});
