import type { HttpRequest } from '#shared/http/pipeline.ts';
import type { RouteDef } from '#shared/http/route.ts';
import type { ClientMeta } from '../use-cases/session-tokens.ts';

/**
 * Who is calling, as far as the request tells: for audit events and session records. Not a Lambda
 * of its own: the login, register, refresh and step-up handlers share it, and it reads the HTTP request, so
 * it lives with them rather than with the use cases.
 */
export function clientMeta(request: HttpRequest<RouteDef>): ClientMeta {
  return {
    ip: request.event.requestContext?.identity?.sourceIp ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    correlationId: request.correlationId,
  };
}
