import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import type { ScopeName } from '#shared/ratelimit/scopes.ts';
import type { RateLimitResetDeps } from '../deps.ts';

/** Clears one identifier's count in one scope, and says who did it in the audit trail. */
export async function resetLimit(
  deps: RateLimitResetDeps,
  actor: string,
  target: { scope: ScopeName; identifier: string },
  correlationId: string,
): Promise<void> {
  await deps.limits.reset(target.scope, target.identifier).catch(() => {
    throw new DependencyUnavailableError('Redis is unreachable; nothing was reset.');
  });
  await deps.events.append({
    subject: `ratelimit:${target.scope}`,
    type: 'ratelimit.reset',
    actor,
    correlationId,
    data: { identifier: target.identifier },
  });
}
