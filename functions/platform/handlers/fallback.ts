import { routes } from '#functions/routes.ts';
import { MethodNotAllowedError, NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { defineRoute } from '#shared/http/route.ts';

/**
 * Answers what API Gateway routes here: `ANY /{proxy+}` (no such path → 404) and `ANY` on each
 * declared resource (the path exists, the method does not → 405 with Allow).
 */
const fallback = defineRoute({
  id: 'platform.fallback',
  method: 'GET',
  path: '/{proxy+}',
  handler: 'functions/platform/handlers/fallback.ts',
  summary: 'Unknown route or method',
  tags: ['platform'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  responses: {},
});

const allowedByPath = new Map<string, string[]>();
for (const route of routes) {
  allowedByPath.set(route.path, [...(allowedByPath.get(route.path) ?? []), route.method]);
}

export const handler = httpHandler(fallback, async ({ event }) => {
  const allowed = allowedByPath.get(event.resource);
  if (allowed !== undefined) throw new MethodNotAllowedError([...allowed, 'OPTIONS']);
  throw new NotFoundError(`No route for ${event.httpMethod} ${event.path}.`);
});
