import { boundResource } from '#shared/config/bindings.ts';
import { redisSettingsFromEnv } from '#shared/config/redis.ts';
import type { Probe } from '#shared/health/checks.ts';
import { dynamoProbe, redisProbe } from '#shared/health/probes.ts';

/** What readiness checks: each dependency's probe and how long any of them may take. */
export interface ReadinessDeps {
  readonly probes: readonly Probe[];
  readonly timeoutMs: number;
}

export function readinessDeps(): ReadinessDeps {
  return {
    probes: [dynamoProbe(boundResource('appTable')), redisProbe],
    timeoutMs: redisSettingsFromEnv().healthTimeoutMs,
  };
}
