import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '#shared/observability.ts';
import { scheduledHandler } from '#shared/scheduled.ts';
import { healthCanaryReadyUrl } from '../config.ts';
import { HEALTH_CANARY_JOB, probeHealth } from '../use-cases/health-canary.ts';

const deps = {
  readyUrl: healthCanaryReadyUrl(),
  fetch,
  timeoutMs: 5000,
  metric: (name: 'HealthCanarySuccess' | 'HealthCanaryLatency', value: number) =>
    metrics.addMetric(
      name,
      name === 'HealthCanaryLatency' ? MetricUnit.Milliseconds : MetricUnit.Count,
      value,
    ),
};

/** EventBridge, every minute or five: the health canary. */
export const handler = scheduledHandler(HEALTH_CANARY_JOB, async (context) => {
  const outcome = await probeHealth(deps, context);
  logger.info('health canary', outcome);
  return outcome;
});
