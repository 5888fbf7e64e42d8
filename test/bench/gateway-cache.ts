/**
 * §9 the gateway's authorizer cache on the local stack (issue 14): the latency of an authenticated
 * `GET /v1/me` through the deployed API when API Gateway invokes the authorizer for every request,
 * against the same requests answered from the gateway's cache of the authorizer's result.
 *
 * `/v1/me` is a route only a signed-in user can pass: on a deployed stage it sits behind the
 * REQUEST authorizer with identity source `Authorization` and the stage's TTL (decision 0010). The
 * local stage turns that cache off (its e2e suites revoke and expect the next request to see it),
 * so the route has the uncached authorizer there. For the measurement the bench configures the
 * route's authorizer through the emulator's API Gateway control plane (unsigned: the emulator
 * checks no signatures), alternating rounds as deployed with a TTL of 0 and with identity source
 * `Authorization` and `CACHED_TTL_SECONDS`, and puts the deployed identity source and TTL back
 * before it returns, whatever happens. The emulator reads the authorizer per request and keys its
 * cache by the identity value, as API Gateway does.
 *
 *   node --import tsx test/bench/gateway-cache.ts   # this section alone, JSON on stdout
 *
 * Never starts, stops or redeploys the stack: without it the section reports "not measured".
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { me as meRoute } from '../../functions/auth/routes.ts';
import { EMULATOR_URL } from '../../localstack/scripts/local-env.ts';
import { login, NOT_RUNNING, type NotMeasured, runningStack, type Timing } from './cold-path.ts';
import { stats } from './layers/import-time.ts';

/** The TTL of the measured rounds with the cache on (the deployed stages use 5 s). */
const CACHED_TTL_SECONDS = 60;
const IDENTITY_SOURCE = 'method.request.header.Authorization';

export type GatewayCacheResult =
  | NotMeasured
  | {
      readonly measured: true;
      readonly requests: number;
      readonly rounds: number;
      readonly authorizerId: string;
      readonly deployedTtlSeconds: number;
      /** Every request invokes the authorizer (TTL 0). */
      readonly invoked: Timing;
      /** Every request after the round's first is answered from the gateway's cache. */
      readonly cached: Timing;
      /** Median cached ÷ median invoked. */
      readonly ratio: number;
    };

interface Authorizer {
  readonly id: string;
  readonly identitySource?: string;
  readonly authorizerResultTtlInSeconds?: number | string;
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${EMULATOR_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  return res.json();
}

/** The authorizer of `GET /v1/me` as deployed (GetResources with the methods embedded). */
async function meAuthorizer(apiId: string): Promise<Authorizer> {
  const { item: resources = [] } = (await control(
    'GET',
    `/restapis/${apiId}/resources?embed=methods&limit=500`,
  )) as {
    item?: Array<{ path: string; resourceMethods?: Record<string, { authorizerId?: string }> }>;
  };
  const authorizerId = resources.find((r) => r.path === meRoute.path)?.resourceMethods?.GET?.authorizerId;
  if (authorizerId === undefined) throw new Error(`no authorizer on GET ${meRoute.path}`);
  return (await control('GET', `/restapis/${apiId}/authorizers/${authorizerId}`)) as Authorizer;
}

/** The authorizer's identity source and TTL (API Gateway caches only with both). */
function configure(
  apiId: string,
  authorizerId: string,
  identitySource: string,
  ttlSeconds: number,
): Promise<unknown> {
  return control('PATCH', `/restapis/${apiId}/authorizers/${authorizerId}`, {
    patchOperations: [
      { op: 'replace', path: '/identitySource', value: identitySource },
      { op: 'replace', path: '/authorizerResultTtlInSeconds', value: String(ttlSeconds) },
    ],
  });
}

/** One authenticated GET /v1/me through the gateway; ms from send to the whole body. */
async function timedGet(url: string, authorization: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET ${meRoute.path} through the gateway answered ${res.status}`);
  return ms;
}

export async function gatewayAuthorizerCache(options: {
  /** Requests per round and mode; the admin's `api_general` budget (100 a minute) bounds the total. */
  readonly requests: number;
  readonly rounds: number;
  readonly log: (line: string) => void;
}): Promise<GatewayCacheResult> {
  const outputs = await runningStack();
  if (outputs === undefined) return { measured: false, reason: NOT_RUNNING };
  let restore: (() => Promise<unknown>) | undefined;
  try {
    const authorizer = await meAuthorizer(outputs.ApiId);
    const deployedTtlSeconds = Number(authorizer.authorizerResultTtlInSeconds ?? 0);
    const deployedSource = authorizer.identitySource ?? '';
    restore = () => configure(outputs.ApiId, authorizer.id, deployedSource, deployedTtlSeconds);
    const authorization = `Bearer ${await login(outputs.ApiUrl)}`;
    const url = `${outputs.ApiUrl}${meRoute.path}`;
    const invoked: number[] = [];
    const cached: number[] = [];
    options.log(`gateway cache: ${options.rounds} rounds of ${options.requests} requests per mode`);
    for (let round = 0; round < options.rounds; round++) {
      // Alternating order, so drift in machine load spreads over both modes.
      for (const mode of round % 2 === 0
        ? (['invoked', 'cached'] as const)
        : (['cached', 'invoked'] as const)) {
        await (mode === 'cached'
          ? configure(outputs.ApiId, authorizer.id, IDENTITY_SOURCE, CACHED_TTL_SECONDS)
          : configure(outputs.ApiId, authorizer.id, deployedSource, 0));
        // The first request of a cached round fills the gateway's cache (and is not counted).
        if (mode === 'cached') await timedGet(url, authorization);
        for (let i = 0; i < options.requests; i++) {
          (mode === 'cached' ? cached : invoked).push(await timedGet(url, authorization));
        }
      }
    }
    const timing = (samples: readonly number[]): Timing => {
      const s = stats(samples);
      return { medianMs: s.median, p90Ms: s.p90, minMs: s.min };
    };
    const result = { invoked: timing(invoked), cached: timing(cached) };
    return {
      measured: true,
      requests: invoked.length,
      rounds: options.rounds,
      authorizerId: authorizer.id,
      deployedTtlSeconds,
      ...result,
      ratio: Math.round((result.cached.medianMs / result.invoked.medianMs) * 100) / 100,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.log(`gateway cache failed: ${message}`);
    return { measured: false, reason: `not measured: ${message.split('\n')[0]}` };
  } finally {
    // The deployed TTL back, or the local e2e suites would see cached verdicts.
    await restore?.().catch((error: unknown) =>
      options.log(`gateway cache: could not restore the authorizer's TTL: ${String(error)}`),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await gatewayAuthorizerCache({
    requests: 15,
    rounds: 2,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
