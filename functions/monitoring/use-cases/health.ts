import type { CircuitBreakerState } from '#shared/circuit-breaker.ts';
import type { BuildInfo } from '#shared/config/build.ts';
import type { ConfigSummary } from '#shared/config/monitoring.ts';
import { publicChecks, runChecks } from '#shared/health/checks.ts';
import { logger } from '#shared/observability.ts';
import type { HealthDeps, SystemInfoDeps } from '../deps.ts';
import { aggregateHealth, type HealthStatus } from '../domain/health.ts';

export interface HealthReport {
  readonly status: HealthStatus;
  readonly checkedAt: string;
  /** Required dependencies that failed. */
  readonly down: readonly string[];
  /** What degrades the service: optional dependencies failing, slow or warning ones, open breakers. */
  readonly degraded: readonly string[];
  readonly dependencies: ReturnType<typeof publicChecks>;
  /** The circuit breakers of the container that answered (each container holds its own). */
  readonly circuitBreakers: Readonly<Record<string, CircuitBreakerState>>;
}

/**
 * Every dependency's state and latency, each probe bounded by the timeout; never throws for a
 * dependency that is down: that is the report's content, not an error.
 */
export async function dependencyHealth(deps: HealthDeps): Promise<HealthReport> {
  const checks = await runChecks(deps.probes, deps.timeoutMs, { slowMs: deps.slowMs });
  const circuitBreakers = deps.breakers();
  const summary = aggregateHealth(checks, circuitBreakers);
  if (summary.status !== 'ok') {
    const causes = Object.fromEntries(
      Object.entries(checks)
        .filter(([, check]) => check.cause !== undefined)
        .map(([name, check]) => [name, check.cause]),
    );
    logger.warn('health not ok', {
      status: summary.status,
      down: summary.down,
      degraded: summary.degraded,
      causes,
    });
  }
  return {
    ...summary,
    checkedAt: deps.now().toISOString(),
    dependencies: publicChecks(checks),
    circuitBreakers,
  };
}

export interface SystemInfo {
  readonly name: 'nimbus';
  readonly build: BuildInfo;
  readonly stage: string;
  readonly config: ConfigSummary;
  readonly health: HealthReport;
}

/** Build, stage, the config summary (no secrets: `configSummarySchema`) and dependency health. */
export async function systemInfo(deps: SystemInfoDeps): Promise<SystemInfo> {
  return {
    name: 'nimbus',
    build: deps.build,
    stage: deps.build.stage,
    config: deps.config,
    health: await dependencyHealth(deps),
  };
}
