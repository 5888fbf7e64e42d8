import type { CircuitBreakerState } from '#shared/circuit-breaker.ts';
import type { CheckResult } from '#shared/health/checks.ts';

/**
 * - `down`: a required dependency failed (or did not answer in time): requests that need it fail.
 * - `degraded`: everything required answered, but an optional dependency failed, a dependency
 *   answered slowly or with a warning (a dead letter waiting), or a circuit breaker is open (a
 *   fallback is serving instead of Redis).
 * - `ok`: none of that.
 */
export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface HealthSummary {
  readonly status: HealthStatus;
  /** Required dependencies that failed. */
  readonly down: readonly string[];
  /** Dependencies (and breakers) that degrade the service. */
  readonly degraded: readonly string[];
}

export function aggregateHealth(
  checks: Readonly<Record<string, Pick<CheckResult, 'status' | 'required'>>>,
  breakers: Readonly<Record<string, Pick<CircuitBreakerState, 'state'>>>,
): HealthSummary {
  const down: string[] = [];
  const degraded: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    if (check.status === 'fail' && check.required) down.push(name);
    else if (check.status !== 'ok') degraded.push(name);
  }
  for (const [name, breaker] of Object.entries(breakers)) {
    if (breaker.state === 'open') degraded.push(`breaker:${name}`);
  }
  const status: HealthStatus = down.length > 0 ? 'down' : degraded.length > 0 ? 'degraded' : 'ok';
  return { status, down, degraded };
}

/** The HTTP status of a health report: load balancers and monitors read 503 as "take it out". */
export function healthHttpStatus(status: HealthStatus): 200 | 503 {
  return status === 'down' ? 503 : 200;
}
