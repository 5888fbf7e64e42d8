import { MethodNotAllowedError, NotFoundError } from '#shared/errors.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { allowedByPath } from '../domain/allowed-methods.build.ts';
import { fallback } from '../routes.ts';

/**
 * Answers what API Gateway routes here: `ANY /{proxy+}` (no such path → 404) and `ANY` on each
 * declared resource (the path exists, the method does not → 405 with Allow).
 */
export const handler = httpHandler(fallback, async ({ event }) => {
  const allowed = Object.hasOwn(allowedByPath, event.resource) ? allowedByPath[event.resource] : undefined;
  if (allowed !== undefined) throw new MethodNotAllowedError([...allowed, 'OPTIONS']);
  throw new NotFoundError(`No route for ${event.httpMethod} ${event.path}.`);
});
