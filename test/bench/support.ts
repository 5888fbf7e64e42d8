/**
 * What the benchmark sections share: the process environment the functions read at init,
 * percentiles, a timing loop, a counter of HTTP requests to the Upstash bridge, and the
 * benchmark routes (an authenticated GET with and without rate limiting).
 */
import { randomBytes } from 'node:crypto';
import { rateLimitEnvironment } from '#shared/config/rate-limits.ts';
import { defineRoute } from '#shared/http/route.ts';

/** Short random id for this run: key prefixes, principals and the source IP are unique to it. */
export const RUN_ID = randomBytes(4).toString('hex');

/**
 * A source address from 198.18.0.0/15 (RFC 2544, benchmarking), unique to this run: the
 * `global` rate-limit scope is keyed by source IP, and the API Gateway fixture's fixed IP would
 * share its Redis key with any test running against the same Redis at the same time.
 */
export const BENCH_SOURCE_IP = `198.18.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Rate limits as the benchmarks run them: the everyday scopes raised so that every request is
 * allowed and costs its Redis round trip (the path a well-behaved client takes); `auth_login`
 * keeps its seed limit of 5, which the blocked-identifier measurement relies on.
 */
const BENCH_RATE_LIMITS = rateLimitEnvironment({
  overrides: { global: { limit: 100_000_000 }, api_general: { limit: 100_000_000 } },
  // Rate-limit identifiers are hashed under a key: given directly here, as to every test process.
  identifierKey: `bench-${RUN_ID}`,
});

/**
 * The environment of a warm function in these benchmarks. Logger at ERROR (nothing logged on the
 * happy path); Metrics enabled, so the per-request EMF serialisation is paid as on Lambda, with
 * its stdout writes discarded by `silenceStdout`; Tracer off (outside Lambda it is a no-op anyway:
 * X-Ray segments are not measured here).
 */
export function benchEnv(redis: { url: string; token: string } | undefined): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'nimbus-bench',
    POWERTOOLS_SERVICE_NAME: 'nimbus-bench',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_NAMESPACE: 'NimbusBench',
    POWERTOOLS_TRACE_ENABLED: 'false',
    NIMBUS_STAGE: 'bench',
    ...BENCH_RATE_LIMITS,
    APP_TABLE_NAME: 'bench',
    ...(redis ? { UPSTASH_REDIS_REST_URL: redis.url, UPSTASH_REDIS_REST_TOKEN: redis.token } : {}),
  };
}

export function applyEnv(env: Readonly<Record<string, string>>): void {
  Object.assign(process.env, env);
}

/**
 * Discards what is written to stdout (Powertools' EMF lines) while `fn` runs and counts the
 * writes and bytes, so a benchmark can check that metrics were really published (and how much
 * CloudWatch Logs would ingest).
 */
export async function silenceStdout<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; writes: number; bytes: number }> {
  const original = process.stdout.write;
  let writes = 0;
  let bytes = 0;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    writes++;
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await fn();
    return { result, writes, bytes };
  } finally {
    process.stdout.write = original;
  }
}

export interface Percentiles {
  readonly n: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles, rounded to 3 significant decimals of the unit given. */
export function percentiles(samples: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN;
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n,
    mean: round(sum / n),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[n - 1] ?? Number.NaN),
  };
}

/** Runs `fn(i)` `iterations` times one after the other; each call's duration in microseconds. */
export async function timeEach(
  iterations: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Float64Array> {
  const out = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await fn(i);
    out[i] = (performance.now() - started) * 1000;
  }
  return out;
}

/** Counts `fetch` calls to URLs under `prefix` (the Upstash client resolves `fetch` per call). */
export function countFetches(prefix: string): { readonly count: number; restore(): void } {
  const original = globalThis.fetch;
  let count = 0;
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(prefix)) count++;
    return original(input, init);
  };
  return {
    get count() {
      return count;
    },
    restore() {
      globalThis.fetch = original;
    },
  };
}

/** Issuer and audience of the benchmark tokens (the prod values; they only need to agree). */
export const TOKEN_ISSUER = 'https://nimbus.dev/prod';
export const TOKEN_AUDIENCE = 'nimbus-api';

const benchBase = {
  method: 'GET',
  path: '/v1/bench/profile',
  handler: 'test/bench/support.ts',
  summary: 'Benchmark route: the caller as the pipeline sees it',
  tags: ['bench'],
  auth: 'principal',
  permission: 'profile:read',
  cache: null,
  responses: { 200: { description: 'The principal' } },
} as const;

/** Authenticated GET without I/O: the shared pipeline alone. */
export const benchRoute = defineRoute({ ...benchBase, id: 'bench.profile', rateLimit: [] });

/** The same GET through the `global` and `api_general` scopes, as every authenticated route. */
export const benchLimitedRoute = defineRoute({
  ...benchBase,
  id: 'bench.profileLimited',
  rateLimit: ['global', 'api_general'],
  needs: ['redis'],
});

/** The route implementation both benchmark routes use: a small JSON body from the principal. */
export const benchImpl = async ({
  principal,
}: {
  principal: { id: string; roles: readonly string[] } | null;
}) => ({
  body: { id: principal?.id ?? null, roles: principal?.roles ?? [] },
});
