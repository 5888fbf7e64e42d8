import type { Principal } from '../http/principal.ts';
import type { RouteDef } from '../http/route.ts';
import { logger } from '../observability.ts';
import { type Decision, enforce, rateLimitHeaders, reset, scopeSpec } from './limiter.ts';
import { isScope, type ScopeName } from './scopes.ts';

export interface LimitedRequest {
  readonly sourceIp: string;
  readonly principal: Principal | null;
  readonly body: unknown;
}

/** Identifier formats (also what the admin endpoints take): `ip:<ip>`, `p:<principal>`, `ip:<ip>|acct:<email>`. */
export function identifierFor(scope: ScopeName, request: LimitedRequest): string {
  const { key } = scopeSpec(scope);
  if (key === 'principal') return request.principal ? `p:${request.principal.id}` : `ip:${request.sourceIp}`;
  if (key === 'ip+account') {
    const email = (request.body as { email?: unknown } | undefined)?.email;
    const account = typeof email === 'string' ? email.trim().toLowerCase() : '';
    return `ip:${request.sourceIp}|acct:${account}`;
  }
  return `ip:${request.sourceIp}`;
}

/**
 * Passes the request through every scope its route names. The scopes are asked together, so the
 * Upstash client's auto-pipelining sends them in one HTTP round trip. Throws 429 (or 503 for a
 * fail-closed scope without Redis) on a refusal; returns the tightest scope's RateLimit headers.
 */
export async function enforceRouteLimits(
  route: RouteDef,
  request: LimitedRequest,
): Promise<{ headers: Record<string, string>; onSuccess: () => Promise<void> }> {
  const names = route.rateLimit.map((name) => {
    if (!isScope(name)) throw new Error(`Route ${route.id} names unknown rate-limit scope ${name}`);
    return name;
  });
  const decisions = await Promise.all(names.map((name) => enforce(name, identifierFor(name, request))));
  let tightest: { scope: ScopeName; decision: Decision } | undefined;
  names.forEach((scope, i) => {
    const decision = decisions[i] as Decision;
    if (tightest === undefined || decision.remaining < tightest.decision.remaining)
      tightest = { scope, decision };
  });
  const resets = names.filter((name) => scopeSpec(name).resetOnSuccess === true);
  return {
    headers: tightest ? rateLimitHeaders(tightest.scope, tightest.decision) : {},
    onSuccess: async () => {
      for (const name of resets) {
        await reset(name, identifierFor(name, request)).catch((error: unknown) =>
          logger.warn('rate limit reset failed', { scope: name, error }),
        );
      }
    },
  };
}
