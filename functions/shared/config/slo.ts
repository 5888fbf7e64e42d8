import * as z from 'zod';
import { requireEnv } from '../env.ts';

/** One route class's service level objective. */
export interface SloTarget {
  /** The 95th percentile of server-side latency stays at or under this many ms. */
  readonly p95Ms: number;
  /** Share of requests answered without a 5xx, e.g. 0.999: `1 - availability` is the error budget. */
  readonly availability: number;
}

/**
 * The SLOs of the two route classes (`lib/config/stages.ts`, `slo`), read back by the performance
 * route: `gateway` is the public routes, `api` the authenticated ones.
 */
export interface SloSettings {
  readonly gateway: SloTarget;
  readonly api: SloTarget;
}

export const DEFAULT_SLO_SETTINGS: SloSettings = {
  gateway: { p95Ms: 100, availability: 0.999 },
  api: { p95Ms: 200, availability: 0.999 },
};

const SLO = 'NIMBUS_SLO';

const target = z.strictObject({
  p95Ms: z.number().int().min(1).max(60_000),
  availability: z.number().gt(0).lt(1),
});
const settingsSchema = z.strictObject({ gateway: target, api: target });

/** Both sides check the same rule: the stage table at synth, the function at cold start. */
export function validSloSettings(settings: unknown): SloSettings {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new Error(`${SLO} is invalid: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  }
  return parsed.data;
}

export function sloEnvironment(settings: SloSettings): Record<string, string> {
  return { [SLO]: JSON.stringify(validSloSettings(settings)) };
}

export function sloSettingsFromEnv(): SloSettings {
  const raw = requireEnv(SLO);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${SLO} is not JSON`);
  }
  return validSloSettings(value);
}
