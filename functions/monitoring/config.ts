import { requireEnv } from '#shared/env.ts';

const HEALTH_CANARY_URL = 'NIMBUS_HEALTH_CANARY_URL';

/** The health canary's target: the API's base URL (set by the observability stack). */
export const healthCanaryEnvironment = (apiUrl: string): Record<string, string> => ({
  [HEALTH_CANARY_URL]: apiUrl,
});

export function healthCanaryReadyUrl(): string {
  return `${requireEnv(HEALTH_CANARY_URL).replace(/\/$/, '')}/health/ready`;
}
