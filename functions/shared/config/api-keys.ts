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
