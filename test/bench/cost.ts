/**
 * Estimated cost per million requests per route: API Gateway REST + the route's Lambda at its
 * configured memory and measured warm duration (+ the authorizer's invocations on authenticated
 * routes: every request where the gateway cache is off, one per credential per cache TTL where it
 * is on). Durations are warm in-process times without the route's own AWS calls, so every figure
 * is a lower bound.
 */
import { STAGE_CONFIGS, type Stage } from '#lib/config/stages.ts';
import type { RouteDef } from '#shared/http/route.ts';
import { isApiKeyPermission } from '#shared/rbac.ts';

/**
 * How often one credential calls, for the share of requests that still invoke a cached
 * authorizer: one in `perCredentialPerSecond × TTL`. 1 req/s is a browser session polling; a
 * busier client gains more, one calling less than once per TTL gains nothing.
 */
export const AUTHORIZER_TRAFFIC = { perCredentialPerSecond: 1 } as const;

/** us-east-1 list prices. */
export const PRICES = {
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  /** CloudWatch Logs ingestion, for the EMF note (not in the table). */
  logsIngestionPerGb: 0.5,
} as const;

export interface CostRow {
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly memoryMb: number;
  /** What the duration is: a real handler timed in-process, or the pipeline lower bound. */
  readonly measuredAs: string;
  readonly measuredMs: number;
  readonly billedMs: number;
  readonly authorizer: boolean;
  /** Whether API Gateway caches the authorizer's answer on this route (stage TTL > 0, user-only route). */
  readonly authorizerCached: boolean;
  /** Share of requests that invoke the authorizer (1 without the gateway cache). */
  readonly authorizerShare: number;
  /** The authorizer's cost without the gateway cache, for comparison. */
  readonly authorizerUncached: number;
  readonly apiGateway: number;
  readonly lambda: number;
  readonly authorizerLambda: number;
  readonly total: number;
  /** What the duration leaves out: the route's stateful needs. */
  readonly notIncluded: string;
}

export interface CostModel {
  readonly stage: Stage;
  readonly memoryByStage: Readonly<Record<Stage, number>>;
  readonly prices: typeof PRICES;
  readonly rows: readonly CostRow[];
  readonly emfBytesPerRequest: number;
  readonly emfLogsPerMillion: number;
  readonly authorizerCacheSeconds: number;
  readonly perCredentialPerSecond: number;
}

/** The AWS (or Upstash) service behind each resource need of the route table. */
const SERVICE_OF: Readonly<Record<string, string | undefined>> = {
  'app:read': 'DynamoDB',
  'app:readWrite': 'DynamoDB',
  'events:append': 'DynamoDB',
  'events:read': 'DynamoDB',
  redis: 'Redis',
  'signingKeys:read': 'Secrets Manager',
  'signingKeys:rotate': 'Secrets Manager',
  'dataKey:read': 'Secrets Manager',
  auth: undefined,
};

const cents = (value: number): number => Math.round(value * 10_000) / 10_000;

/** Lambda cost of one million invocations of `billedMs` at `memoryMb`. */
export function lambdaPerMillion(memoryMb: number, billedMs: number): number {
  return (
    PRICES.lambdaRequestsPerMillion +
    (memoryMb / 1024) * (billedMs / 1000) * 1e6 * PRICES.lambdaArmPerGbSecond
  );
}

export function costModel(options: {
  readonly routes: readonly RouteDef[];
  /** Warm µs of real handlers timed in-process, by route id. */
  readonly measuredUs: Readonly<Record<string, number>>;
  /** Warm µs of the pipeline alone (authenticated GET, no I/O). */
  readonly pipelineUs: number;
  /** Warm µs of the pipeline with `global` + `api_general` through the local Redis. */
  readonly rateLimitedUs: number;
  /** Authorizer lower bound: a warm token verification (µs). */
  readonly authorizerUs: number;
  readonly emfBytesPerRequest: number;
  readonly stage?: Stage;
}): CostModel {
  const stage = options.stage ?? 'prod';
  const memoryMb = STAGE_CONFIGS[stage].functions.memoryMb;
  const ttl = STAGE_CONFIGS[stage].api.authorizerCacheSeconds;
  const billed = (us: number): number => Math.max(1, Math.ceil(us / 1000));
  const rows = options.routes.map((route): CostRow => {
    const measured = options.measuredUs[route.id];
    const [measuredAs, us] =
      measured !== undefined
        ? ['this handler, warm', measured]
        : route.rateLimit.length > 0
          ? ['pipeline + rate limit (1 Redis trip)', options.rateLimitedUs]
          : ['pipeline alone', options.pipelineUs];
    const authorizer = route.auth === 'principal';
    // The same rule as the API stack: user-only routes get the cached authorizer.
    const authorizerCached =
      authorizer && ttl > 0 && route.permission !== null && !isApiKeyPermission(route.permission);
    const authorizerShare = authorizerCached
      ? Math.min(1, 1 / (AUTHORIZER_TRAFFIC.perCredentialPerSecond * ttl))
      : 1;
    const apiGateway = PRICES.apiGatewayRestPerMillion;
    const lambda = lambdaPerMillion(memoryMb, billed(us));
    const authorizerUncached = authorizer ? lambdaPerMillion(memoryMb, billed(options.authorizerUs)) : 0;
    const authorizerLambda = authorizerUncached * authorizerShare;
    // The rate limiter's Redis trip is in the measured duration; every other stateful call is not.
    const untimed = new Set(
      (route.needs ?? [])
        .filter((need) => !(need === 'redis' && route.rateLimit.length > 0))
        .map((need) => SERVICE_OF[need])
        .filter((service) => service !== undefined),
    );
    return {
      route: route.id,
      method: route.method,
      path: route.path,
      memoryMb,
      measuredAs,
      measuredMs: Math.round(us) / 1000,
      billedMs: billed(us),
      authorizer,
      authorizerCached,
      authorizerShare,
      authorizerUncached: cents(authorizerUncached),
      apiGateway: cents(apiGateway),
      lambda: cents(lambda),
      authorizerLambda: cents(authorizerLambda),
      total: cents(apiGateway + lambda + authorizerLambda),
      notIncluded: measured !== undefined || untimed.size === 0 ? '—' : [...untimed].join(', '),
    };
  });
  return {
    stage,
    memoryByStage: Object.fromEntries(
      Object.entries(STAGE_CONFIGS).map(([name, config]) => [name, config.functions.memoryMb]),
    ) as Record<Stage, number>,
    prices: PRICES,
    rows,
    emfBytesPerRequest: options.emfBytesPerRequest,
    authorizerCacheSeconds: ttl,
    perCredentialPerSecond: AUTHORIZER_TRAFFIC.perCredentialPerSecond,
    emfLogsPerMillion: cents((options.emfBytesPerRequest * 1e6 * PRICES.logsIngestionPerGb) / 1024 ** 3),
  };
}
