import { requireEnv } from '../env.ts';

/** API keys are `nmb_live_...` on production-like stages, `nmb_test_...` elsewhere. */
export type ApiKeyEnvironment = 'live' | 'test';

export interface ApiKeySettings {
  readonly environment: ApiKeyEnvironment;
}

export function apiKeysEnvironment(settings: ApiKeySettings): Record<string, string> {
  return { NIMBUS_API_KEY_ENV: settings.environment };
}

export function apiKeySettingsFromEnv(): ApiKeySettings {
  const environment = requireEnv('NIMBUS_API_KEY_ENV');
  if (environment !== 'live' && environment !== 'test')
    throw new Error('NIMBUS_API_KEY_ENV must be live|test');
  return { environment };
}

/** How a rotated API key's old secret overlaps the new one (`lib/config/stages.ts`, `apiKeyRotation`). */
export interface ApiKeyRotationSettings {
  /** Overlap when the caller names none, and for every scheduled rotation. */
  readonly defaultOverlapSeconds: number;
  /** The longest overlap a caller may ask for: an old secret should not linger for weeks. */
  readonly maxOverlapSeconds: number;
}

export function apiKeyRotationEnvironment(settings: ApiKeyRotationSettings): Record<string, string> {
  return {
    NIMBUS_API_KEY_OVERLAP_SECONDS: String(settings.defaultOverlapSeconds),
    NIMBUS_API_KEY_MAX_OVERLAP_SECONDS: String(settings.maxOverlapSeconds),
  };
}

export function apiKeyRotationSettingsFromEnv(): ApiKeyRotationSettings {
  return validRotationSettings({
    defaultOverlapSeconds: Number(requireEnv('NIMBUS_API_KEY_OVERLAP_SECONDS')),
    maxOverlapSeconds: Number(requireEnv('NIMBUS_API_KEY_MAX_OVERLAP_SECONDS')),
  });
}

/** Both sides check the same rule: the stage table at synth, the function at cold start. */
export function validRotationSettings(settings: ApiKeyRotationSettings): ApiKeyRotationSettings {
  const { defaultOverlapSeconds: overlap, maxOverlapSeconds: max } = settings;
  if (!Number.isInteger(overlap) || !Number.isInteger(max) || overlap < 0 || overlap > max)
    throw new Error(
      'NIMBUS_API_KEY_OVERLAP_SECONDS and NIMBUS_API_KEY_MAX_OVERLAP_SECONDS must be integers with 0 <= overlap <= max',
    );
  return settings;
}
