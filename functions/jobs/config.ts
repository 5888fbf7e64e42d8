import { requireEnv } from '#shared/env.ts';

/** The scheduled jobs (`jobs.ts` holds their table); stages give each one a schedule. */
export type JobName = 'rotateDue' | 'expiryWatch' | 'retentionCleanup' | 'healthCanary';

/** What the jobs read from the stage config (`lib/config/stages.ts`, `jobs`). */
export interface JobsSettings {
  /** API keys expiring within this many days are warned about. */
  readonly expiryWarningDays: number;
  /** A signing key this many days past its scheduled rotation is warned about. */
  readonly signingKeyGraceDays: number;
}

const ENV = {
  expiryWarningDays: 'NIMBUS_EXPIRY_WARNING_DAYS',
  signingKeyGraceDays: 'NIMBUS_SIGNING_KEY_GRACE_DAYS',
} as const satisfies Record<keyof JobsSettings, string>;

export function jobsEnvironment(settings: JobsSettings): Record<string, string> {
  return {
    [ENV.expiryWarningDays]: String(settings.expiryWarningDays),
    [ENV.signingKeyGraceDays]: String(settings.signingKeyGraceDays),
  };
}

function wholeDays(name: string): number {
  const raw = requireEnv(name);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(
      `Environment variable ${name} must be a whole number of days, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Read once at init: a missing or malformed setting fails the cold start by name. */
export function jobsSettingsFromEnv(): JobsSettings {
  return {
    expiryWarningDays: wholeDays(ENV.expiryWarningDays),
    signingKeyGraceDays: wholeDays(ENV.signingKeyGraceDays),
  };
}
