/**
 * Rate limiting against the local Redis through the Upstash bridge, with the real limiter
 * (`decide`: @upstash/ratelimit over `getRedis()`): decisions per second and latency, one at a time
 * and many in flight; Redis round trips (HTTP requests to the bridge) per allowed decision, per
 * decision on an identifier already blocked, and per request of a rate-limited route through the
 * whole pipeline. Must run after `applyEnv(benchEnv(bridge))`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext } from '../support/apigw.ts';
import { benchEvent } from './pipeline.ts';
import {
  benchImpl,
  benchLimitedRoute,
  countFetches,
  type Percentiles,
  percentiles,
  RUN_ID,
  silenceStdout,
  timeEach,
} from './support.ts';

export interface RateLimitResult {
  readonly sequential: {
    readonly decisions: number;
    readonly perSecond: number;
    /** Microseconds per decision. */
    readonly us: Percentiles;
    readonly roundTripsPerDecision: number;
  };
  readonly concurrent: {
    readonly inFlight: number;
    readonly decisions: number;
    readonly perSecond: number;
    readonly us: Percentiles;
    /** Below 1 when the client's auto-pipelining batches decisions in flight together. */
    readonly roundTripsPerDecision: number;
  };
  /** A scope whose blocks the ephemeral cache remembers (`api_expensive`, 10 per hour). */
  readonly blocked: Blocked;
  /** `auth_login` (reset on success): no ephemeral cache, so a block costs a round trip. */
  readonly blockedUncached: Blocked;
  /**
   * An authenticated GET through `global` + `api_general` via httpHandler, in-process, its latency
   * recorded nowhere: what rate limiting costs a request.
   */
  readonly route: {
    readonly requests: number;
    readonly us: Percentiles;
    readonly roundTripsPerRequest: number;
    readonly status: number;
  };
  /**
   * The same GET as a deployed route with the `redis` need runs it: its latency also written to
   * the request histograms (issue 13's metrics), one more pipelined write after the handler.
   */
  readonly routeWithMetrics: {
    readonly requests: number;
    readonly us: Percentiles;
    readonly roundTripsPerRequest: number;
  };
  /** Who decided (redis / local fallback / fail mode), over every measured decision. */
  readonly decidedBy: Readonly<Record<string, number>>;
}

export interface Blocked {
  readonly scope: string;
  readonly decisions: number;
  readonly us: Percentiles;
  readonly roundTripsPerDecision: number;
  readonly allDenied: boolean;
}

type Scope = 'api_general' | 'api_expensive' | 'auth_login';
type Decide = (scope: Scope, identifier: string) => Promise<{ allowed: boolean }>;
type Counted = <T>(fn: () => Promise<T>) => Promise<{ value: T; trips: number; ms: number }>;

/** Exhausts `scope` for `identifier` (its limit is small), then times decisions on it. */
async function measureBlocked(
  decide: Decide,
  counted: Counted,
  scope: Scope,
  identifier: string,
  decisions: number,
): Promise<Blocked> {
  let denied = false;
  for (let i = 0; i < 50 && !denied; i++) denied = !(await decide(scope, identifier)).allowed;
  let allDenied = denied;
  const run = await counted(() =>
    timeEach(decisions, async () => {
      if ((await decide(scope, identifier)).allowed) allDenied = false;
    }),
  );
  return {
    scope,
    decisions,
    us: percentiles(run.value),
    roundTripsPerDecision: ratio(run.trips, decisions),
    allDenied,
  };
}

const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);
const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;

export async function rateLimit(options: {
  readonly bridgeUrl: string;
  readonly decisions: number;
  readonly inFlight: number;
  readonly blockedDecisions: number;
  readonly routeRequests: number;
}): Promise<RateLimitResult> {
  const limiter = await import('#shared/ratelimit/limiter.ts');
  const { httpHandler } = await import('#shared/http/pipeline.ts');
  const decidedBy: Record<string, number> = {};
  const decide: Decide = async (scope, identifier) => {
    const decision = (await limiter.decide(scope, identifier)) as unknown as { allowed: boolean } & Record<
      string,
      unknown
    >;
    const by = String(decision.decidedBy ?? (decision.degraded ? 'fail-mode' : 'redis'));
    decidedBy[by] = (decidedBy[by] ?? 0) + 1;
    return decision;
  };
  const fetches = countFetches(options.bridgeUrl);
  const counted: Counted = async (fn) => {
    const before = fetches.count;
    const started = performance.now();
    const value = await fn();
    return { value, trips: fetches.count - before, ms: performance.now() - started };
  };

  try {
    const id = `bench-${RUN_ID}`;
    // Warm-up: client creation, script loading (a first EVALSHA may miss and fall back to EVAL).
    for (let i = 0; i < 100; i++) await decide('api_general', `${id}-warm`);
    for (const key of Object.keys(decidedBy)) delete decidedBy[key];

    const sequential = await counted(() =>
      timeEach(options.decisions, () => decide('api_general', `${id}-seq`)),
    );

    const concurrentSamples: number[] = [];
    const concurrent = await counted(async () => {
      let next = 0;
      const worker = async (w: number): Promise<void> => {
        while (next < options.decisions) {
          next++;
          const started = performance.now();
          await decide('api_general', `${id}-conc-${w % 4}`);
          concurrentSamples.push((performance.now() - started) * 1000);
        }
      };
      await Promise.all(Array.from({ length: options.inFlight }, (_, w) => worker(w)));
    });

    const blocked = await measureBlocked(
      decide,
      counted,
      'api_expensive',
      `${id}-blocked`,
      options.blockedDecisions,
    );
    // auth_login resets on success, so its blocks are not cached (a reset must unblock every
    // container): each decision on a blocked identifier is a round trip, by design.
    const blockedUncached = await measureBlocked(
      decide,
      counted,
      'auth_login',
      `${id}-blocked-login`,
      Math.min(200, options.blockedDecisions),
    );

    type BenchHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
    // Rate limiting alone: the request's latency goes to a recorder that writes nothing.
    const unrecorded = {
      record: async () => {},
      counts: () => ({ recorded: 0, dropped: 0, skipped: 0 }),
    };
    const handler = httpHandler(benchLimitedRoute, benchImpl, {
      requestMetrics: unrecorded,
    }) as unknown as BenchHandler;
    // As deployed: the row's redis need also brings the shared histogram recorder.
    const recordedHandler = httpHandler(benchLimitedRoute, benchImpl) as unknown as BenchHandler;
    const event = benchEvent();
    let status = 0;
    const route = await silenceStdout(async () => {
      for (let i = 0; i < 100; i++) await handler(event, lambdaContext());
      return counted(() =>
        timeEach(options.routeRequests, async () => {
          status = (await handler(event, lambdaContext())).statusCode;
        }),
      );
    });
    const routeWithMetrics = await silenceStdout(async () => {
      for (let i = 0; i < 100; i++) await recordedHandler(event, lambdaContext());
      return counted(() =>
        timeEach(options.routeRequests, async () => {
          await recordedHandler(event, lambdaContext());
        }),
      );
    });

    return {
      sequential: {
        decisions: options.decisions,
        perSecond: rate(options.decisions, sequential.ms),
        us: percentiles(sequential.value),
        roundTripsPerDecision: ratio(sequential.trips, options.decisions),
      },
      concurrent: {
        inFlight: options.inFlight,
        decisions: concurrentSamples.length,
        perSecond: rate(concurrentSamples.length, concurrent.ms),
        us: percentiles(concurrentSamples),
        roundTripsPerDecision: ratio(concurrent.trips, concurrentSamples.length),
      },
      blocked,
      blockedUncached,
      route: {
        requests: options.routeRequests,
        us: percentiles(route.result.value),
        roundTripsPerRequest: ratio(route.result.trips, options.routeRequests),
        status,
      },
      routeWithMetrics: {
        requests: options.routeRequests,
        us: percentiles(routeWithMetrics.result.value),
        roundTripsPerRequest: ratio(routeWithMetrics.result.trips, options.routeRequests),
      },
      decidedBy,
    };
  } finally {
    fetches.restore();
  }
}
