import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { checkReadiness, publicChecks } from '#shared/health/checks.ts';
import { logger } from '#shared/observability.ts';
import type { ReadinessDeps } from '../deps.ts';

/** Every dependency answered in time, or a DependencyUnavailableError naming those that did not. */
export async function assertReady(deps: ReadinessDeps) {
  const readiness = await checkReadiness(deps.probes, deps.timeoutMs);
  if (readiness.status === 'fail') {
    logger.warn('not ready', { checks: readiness.checks });
    throw new DependencyUnavailableError(`Not ready: ${readiness.failing.join(', ')} failed.`, {
      failing: readiness.failing,
      checks: publicChecks(readiness.checks),
    });
  }
  return { status: 'ok' as const, checks: publicChecks(readiness.checks) };
}
