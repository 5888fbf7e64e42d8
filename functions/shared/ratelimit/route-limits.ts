import type { Principal } from '../http/principal.ts';
import type { RouteDef } from '../http/route.ts';
import {
  type Decision,
  enforce,
  rateLimitHeaders,
  reset,
  SCOPES,
  type ScopeName,
  scopeSpec,
} from './limiter.ts';

export interface LimitedRequest {
  readonly sourceIp: string;
  readonly principal: Principal | null;
  readonly body: unknown;
}

function isScope(name: string): name is ScopeName {
  return Object.hasOwn(SCOPES, name);
}

function identifierFor(scope: ScopeName, request: LimitedRequest): string {
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
 * Passes the request through every scope its route names, in order; throws 429 (or 503 for a
 * fail-closed scope without Redis) on the first refusal. Returns the RateLimit headers of the
 * tightest scope for the response.
 */
export async function enforceRouteLimits(
  route: RouteDef,
  request: LimitedRequest,
): Promise<{ headers: Record<string, string>; onSuccess: () => Promise<void> }> {
  let tightest: { scope: ScopeName; decision: Decision } | undefined;
  for (const name of route.rateLimit) {
    if (!isScope(name)) throw new Error(`Route ${route.id} names unknown rate-limit scope ${name}`);
    const decision = await enforce(name, identifierFor(name, request));
    if (tightest === undefined || decision.remaining < tightest.decision.remaining)
      tightest = { scope: name, decision };
  }
  const resets = route.rateLimit.filter(
    (name): name is ScopeName => isScope(name) && scopeSpec(name).resetOnSuccess === true,
  );
  return {
    headers: tightest ? rateLimitHeaders(tightest.scope, tightest.decision) : {},
    onSuccess: async () => {
      for (const name of resets) await reset(name, identifierFor(name, request));
    },
  };
}
