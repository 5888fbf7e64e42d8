/**
 * Handler-level load on 127.0.0.1: autocannon (in this process) against the authenticated,
 * rate-limited GET behind the node:http adapter (serve.ts `nimbus`, its own process, the Upstash
 * bridge in a third), the same GET without rate limiting, then bare node:http, in the same run.
 * Bounded: fixed durations.
 */
import autocannon, { type Result } from 'autocannon';
import { jwksOf, type KeySet } from '#functions/auth/domain/jwt.ts';
import { startServer } from './processes.ts';
import { benchEnv, benchLimitedRoute } from './support.ts';

export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadResult {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Bearer JWT + `global` and `api_general` through the bridge + the pipeline. */
  readonly nimbus: LoadRun & { readonly roundTripsPerRequest: number };
  /** The same without rate limiting: what the Redis round trip costs under load. */
  readonly authOnly: LoadRun & { readonly roundTripsPerRequest: number };
  readonly bare: LoadRun;
}

function summarise(result: Result): LoadRun {
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = Number(count);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  };
}

async function runNimbus(
  options: LoadOptions,
  rateLimited: boolean,
): Promise<LoadRun & { roundTripsPerRequest: number }> {
  const { connections, durationSeconds } = options;
  const nimbus = await startServer('nimbus', {
    ...benchEnv(options.bridge),
    BENCH_JWKS: JSON.stringify(jwksOf(options.keySet)),
    BENCH_RATE_LIMITED: String(rateLimited),
  });
  try {
    const url = `${nimbus.url}${benchLimitedRoute.path}`;
    const headers = { authorization: `Bearer ${options.token}` };
    options.log(
      `load: ${rateLimited ? 'auth + rate limit' : 'auth only'}, ${options.warmupSeconds} s warm-up, then ${durationSeconds} s at c=${connections}`,
    );
    await autocannon({ url, connections, duration: options.warmupSeconds, headers });
    const before = await nimbus.stats();
    const run = summarise(await autocannon({ url, connections, duration: durationSeconds, headers }));
    const after = await nimbus.stats();
    const served = after.requests - before.requests;
    return {
      ...run,
      roundTripsPerRequest:
        Math.round(((after.bridgeRequests - before.bridgeRequests) / served) * 1000) / 1000,
    };
  } finally {
    await nimbus.stop();
  }
}

export interface LoadOptions {
  readonly bridge: { readonly url: string; readonly token: string };
  readonly keySet: KeySet;
  readonly token: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly log: (line: string) => void;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const { connections, durationSeconds } = options;
  const nimbus = await runNimbus(options, true);
  const authOnly = await runNimbus(options, false);
  const bare = await startServer('bare', {});
  try {
    options.log(`load: bare node:http, ${durationSeconds} s at c=${connections}`);
    const bareRun = summarise(await autocannon({ url: bare.url, connections, duration: durationSeconds }));
    return { connections, durationSeconds, nimbus, authOnly, bare: bareRun };
  } finally {
    await bare.stop();
  }
}
