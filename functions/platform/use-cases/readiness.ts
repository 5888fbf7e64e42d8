import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { logger } from '#shared/observability.ts';
import type { ReadinessDeps } from '../deps.ts';
import { type CheckResult, checkReadiness } from '../domain/readiness.ts';

/** What a client may see of a check: its status, latency and a short error, never the cause. */
const publicView = (checks: Readonly<Record<string, CheckResult>>) =>
  Object.fromEntries(Object.entries(checks).map(([name, { cause: _cause, ...rest }]) => [name, rest]));

/** Every dependency answered in time, or a DependencyUnavailableError naming those that did not. */
export async function assertReady(deps: ReadinessDeps) {
  const readiness = await checkReadiness(deps.probes, deps.timeoutMs);
  if (readiness.status === 'fail') {
    logger.warn('not ready', { checks: readiness.checks });
    throw new DependencyUnavailableError(`Not ready: ${readiness.failing.join(', ')} failed.`, {
      failing: readiness.failing,
      checks: publicView(readiness.checks),
    });
  }
  return { status: 'ok' as const, checks: publicView(readiness.checks) };
}
