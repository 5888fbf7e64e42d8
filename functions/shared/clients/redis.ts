import { Redis } from '@upstash/redis';
import { boundResource } from '../config/bindings.ts';
import { redisSettingsFromEnv } from '../config/redis.ts';
import { memoiseAsync } from '../memoise.ts';
import { readSecretString } from './secrets.ts';

/**
 * The Upstash REST client, created once per container. The URL comes from
 * UPSTASH_REDIS_REST_URL; the token from UPSTASH_REDIS_REST_TOKEN when a process is given it
 * directly (tests, tools), otherwise from the Secrets Manager secret named by
 * UPSTASH_TOKEN_SECRET_ARN, so that it never sits in a template or a function's configuration.
 */
async function create(): Promise<Redis> {
  const { restUrl: url, token: direct } = redisSettingsFromEnv();
  const token =
    direct ??
    (JSON.parse(await readSecretString(boundResource('upstashTokenSecret'))) as { token: string }).token;
  // One retry only: callers (rate limiter, cache, health) have their own fallbacks and timeouts.
  return new Redis({ url, token, retry: { retries: 1, backoff: () => 50 }, enableTelemetry: false });
}

/** The container's client; a failed creation (secret unreadable) is retried on the next call. */
export const getRedis: () => Promise<Redis> = memoiseAsync(create);
