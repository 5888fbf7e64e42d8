import { MethodNotAllowedError, NotFoundError } from '#shared/errors.ts';
import { CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS } from '#shared/http/headers.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { allowedByPath } from '../domain/allowed-methods.build.ts';
import { fallback } from '../routes.ts';

const preflightHeaders = (allowed: readonly string[]) => ({
  'Access-Control-Allow-Methods': [...allowed, 'OPTIONS'].join(', '),
  'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
  'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
});

/**
 * Answers what API Gateway routes here: `ANY /{proxy+}` (no such path → 404) and `ANY` on each
 * declared resource (the path exists, the method does not → 405 with Allow; OPTIONS → the CORS
 * preflight, answered here rather than by a mock method per path: each method is a resource in a
 * stack that holds 500).
 */
export const handler = httpHandler(fallback, async ({ event }) => {
  const allowed = Object.hasOwn(allowedByPath, event.resource) ? allowedByPath[event.resource] : undefined;
  // A CORS preflight on a declared path: its methods and headers (the pipeline adds the origin).
  if (allowed !== undefined && event.httpMethod === 'OPTIONS') {
    return { status: 204, headers: preflightHeaders(allowed) };
  }
  if (allowed !== undefined) throw new MethodNotAllowedError([...allowed, 'OPTIONS']);
  throw new NotFoundError(`No route for ${event.httpMethod} ${event.path}.`);
});
