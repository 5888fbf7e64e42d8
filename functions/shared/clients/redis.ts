import { Redis } from '@upstash/redis';
import { requireEnv } from '../env.ts';
import { readSecretString } from './secrets.ts';

/**
 * The Upstash REST client, created once per container. The URL comes from
 * UPSTASH_REDIS_REST_URL; the token from UPSTASH_REDIS_REST_TOKEN when a process is given it
 * directly (tests, tools), otherwise from the Secrets Manager secret named by
 * UPSTASH_TOKEN_SECRET_ARN, so that it never sits in a template or a function's configuration.
 */
let client: Promise<Redis> | undefined;

async function create(): Promise<Redis> {
  const url = requireEnv('UPSTASH_REDIS_REST_URL');
  const token =
    process.env.UPSTASH_REDIS_REST_TOKEN ??
    (JSON.parse(await readSecretString(requireEnv('UPSTASH_TOKEN_SECRET_ARN'))) as { token: string }).token;
  // One retry only: callers (rate limiter, cache, health) have their own fallbacks and timeouts.
  return new Redis({ url, token, retry: { retries: 1, backoff: () => 50 }, enableTelemetry: false });
}

export function getRedis(): Promise<Redis> {
  if (client === undefined) {
    client = create().catch((error: unknown) => {
      client = undefined; // let the next call retry instead of caching the failure
      throw error;
    });
  }
  return client;
}
