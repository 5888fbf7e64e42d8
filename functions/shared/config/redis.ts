import { intEnv, optionalEnv, requireEnv } from '../env.ts';

/**
 * How a process reaches Upstash Redis. Functions get the URL and the health timeout from the stage
 * config, and the token from the secret bound as `upstashTokenSecret` (so it never sits in a
 * template); only tests and tools pass `token` directly.
 */
export interface RedisSettings {
  readonly restUrl: string;
  /** How long the readiness probe waits for Redis. @default 1000 */
  readonly healthTimeoutMs?: number;
  readonly token?: string;
}

export function redisEnvironment(settings: RedisSettings): Record<string, string> {
  return {
    UPSTASH_REDIS_REST_URL: settings.restUrl,
    ...(settings.healthTimeoutMs === undefined
      ? {}
      : { NIMBUS_HEALTH_TIMEOUT_MS: String(settings.healthTimeoutMs) }),
    ...(settings.token === undefined ? {} : { UPSTASH_REDIS_REST_TOKEN: settings.token }),
  };
}

export function redisSettingsFromEnv(): Required<Omit<RedisSettings, 'token'>> &
  Pick<RedisSettings, 'token'> {
  const token = optionalEnv('UPSTASH_REDIS_REST_TOKEN', '');
  return {
    restUrl: requireEnv('UPSTASH_REDIS_REST_URL'),
    healthTimeoutMs: intEnv('NIMBUS_HEALTH_TIMEOUT_MS', 1000),
    ...(token === '' ? {} : { token }),
  };
}
