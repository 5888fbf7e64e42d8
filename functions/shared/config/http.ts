import { intEnv, optionalEnv } from '../env.ts';
import { commaList } from '../http/principal.ts';

/** What the HTTP pipeline needs from the stage config (`lib/config/stages.ts`, `api`). */
export interface HttpSettings {
  /** Origins allowed by CORS; `*` for any. */
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
}

export function httpEnvironment(settings: HttpSettings): Record<string, string> {
  return {
    NIMBUS_CORS_ORIGINS: settings.corsOrigins.join(','),
    NIMBUS_MAX_BODY_BYTES: String(settings.maxBodyBytes),
  };
}

/** Defaults (any origin, 1 MiB) let the pipeline run in unit tests without a stage. */
export function httpSettingsFromEnv(): HttpSettings {
  return {
    corsOrigins: commaList(optionalEnv('NIMBUS_CORS_ORIGINS', '*')),
    maxBodyBytes: intEnv('NIMBUS_MAX_BODY_BYTES', 1_048_576),
  };
}
