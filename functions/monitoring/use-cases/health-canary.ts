import type { JobContext } from '#shared/scheduled.ts';

export const HEALTH_CANARY_JOB = 'health-canary';

export interface HealthCanaryDeps {
  /** The API's readiness URL, as a client outside the platform calls it. */
  readonly readyUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** `HealthCanarySuccess` 1 or 0, and the probe's latency. */
  readonly metric: (name: 'HealthCanarySuccess' | 'HealthCanaryLatency', value: number) => void;
}

/**
 * One synthetic request through the whole front door (API Gateway, the function, DynamoDB, Redis):
 * success is a 200 within the timeout. The alarm fires on a failed probe and on a missing one (a
 * canary that stopped running says nothing is known to be up).
 */
export async function probeHealth(
  deps: HealthCanaryDeps,
  _context: JobContext,
): Promise<{ ok: boolean; status: number | null; ms: number }> {
  const started = performance.now();
  let status: number | null = null;
  try {
    const res = await deps.fetch(deps.readyUrl, { signal: AbortSignal.timeout(deps.timeoutMs) });
    status = res.status;
    await res.arrayBuffer();
  } catch {
    status = null;
  }
  const ms = performance.now() - started;
  const ok = status === 200;
  deps.metric('HealthCanarySuccess', ok ? 1 : 0);
  deps.metric('HealthCanaryLatency', ms);
  return { ok, status, ms };
}
