import type { Principal } from '../http/principal.ts';
import type { RouteDef } from '../http/route.ts';
import { logger } from '../observability.ts';
import { accountIdentifier, ipIdentifier, pairIdentifier, principalIdentifier } from './identifiers.ts';
import { type Decision, enforce, rateLimitHeaders, reset, scopeSpec } from './limiter.ts';
import { isScope, type ScopeName } from './scopes.ts';

export interface LimitedRequest {
  readonly sourceIp: string;
  readonly principal: Principal | null;
  readonly body: unknown;
}

/** The account a login names (`accountIdentifier` normalises it as the user store would). */
function accountOf(request: LimitedRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email : '';
}

/**
 * Identifier formats (also what the admin endpoints take): `ip:<ip>`, `p:<principal>`,
 * `ip:<ip>|acct:<email>`, `acct:<email>`. Readable here and in the admin API; Redis only ever sees
 * their keyed hash (`identifiers.ts`).
 */
export function identifierFor(scope: ScopeName, request: LimitedRequest): string {
  const { key } = scopeSpec(scope);
  switch (key) {
    case 'principal':
      return request.principal ? principalIdentifier(request.principal.id) : ipIdentifier(request.sourceIp);
    case 'ip+account':
      return pairIdentifier(request.sourceIp, accountOf(request));
    case 'account':
      return accountIdentifier(accountOf(request));
    default:
      return ipIdentifier(request.sourceIp);
  }
}

/** Asks several scopes at once: the Upstash client's auto-pipelining sends them in one round trip. */
async function decideAll(names: readonly ScopeName[], request: LimitedRequest) {
  const decisions = await Promise.all(names.map((name) => enforce(name, identifierFor(name, request))));
  return names.map((scope, i) => ({ scope, decision: decisions[i] as Decision }));
}

/**
 * Passes the request through every scope its route names: first those counted on every attempt,
 * together; then, only if all of them admitted it, the `onlyAdmitted` ones, so a refused request
 * never spends their budget. Throws 429 (or 503 for a fail-closed scope without Redis) on a
 * refusal; returns the tightest scope's RateLimit headers.
 */
export async function enforceRouteLimits(
  route: RouteDef,
  request: LimitedRequest,
): Promise<{ headers: Record<string, string>; onSuccess: () => Promise<void> }> {
  const names = route.rateLimit.map((name) => {
    if (!isScope(name)) throw new Error(`Route ${route.id} names unknown rate-limit scope ${name}`);
    return name;
  });
  const deferred = names.filter((name) => scopeSpec(name).onlyAdmitted === true);
  const decided = await decideAll(
    names.filter((name) => !deferred.includes(name)),
    request,
  );
  if (deferred.length > 0) decided.push(...(await decideAll(deferred, request)));
  let tightest: { scope: ScopeName; decision: Decision } | undefined;
  for (const entry of decided) {
    if (tightest === undefined || entry.decision.remaining < tightest.decision.remaining) tightest = entry;
  }
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
