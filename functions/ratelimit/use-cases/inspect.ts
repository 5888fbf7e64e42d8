import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import type { ScopeName } from '#shared/ratelimit/scopes.ts';
import type { RateLimitAdminDeps } from '../deps.ts';

/** Where one identifier stands in one scope, as an operator reads it. */
export async function inspectLimit(deps: RateLimitAdminDeps, scope: ScopeName, identifier: string) {
  const state = await deps.limits.inspect(scope, identifier).catch(() => {
    throw new DependencyUnavailableError('Redis is unreachable; the rate-limit state cannot be read.');
  });
  return {
    scope,
    identifier,
    limit: state.limit,
    remaining: state.remaining,
    // Nothing counted yet: the window would start now.
    reset: new Date(state.reset > 0 ? state.reset : deps.now().getTime()).toISOString(),
  };
}
