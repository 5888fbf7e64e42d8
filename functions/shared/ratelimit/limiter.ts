import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Ratelimit } from '@upstash/ratelimit';
import { getRedis } from '../clients/redis.ts';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors.ts';
import { logger, metrics } from '../observability.ts';

/**
 * Named rate-limit scopes. `fail` says what happens when Redis cannot answer in time:
 * `closed` refuses (brute-force guards), `open` allows.
 */
export interface ScopeSpec {
  readonly limit: number;
  readonly window: `${number} ${'s' | 'm' | 'h'}`;
  readonly fail: 'open' | 'closed';
  /** What identifies the caller: source IP, IP + the account named in the body, or the principal. */
  readonly key: 'ip' | 'ip+account' | 'principal';
  /**
   * Forget the identifier's count after a successful request: for login, only consecutive
   * failures count, yet every attempt is counted atomically (parallel guesses cannot slip through).
   */
  readonly resetOnSuccess?: boolean;
}

export const SCOPES = {
  /** Seeds: 5 attempts per 15 minutes, keyed by IP + account; fails closed. */
  auth_login: { limit: 5, window: '15 m', fail: 'closed', key: 'ip+account', resetOnSuccess: true },
  /** Account creation per source IP. */
  auth_register: { limit: 10, window: '1 h', fail: 'closed', key: 'ip' },
} as const satisfies Record<string, ScopeSpec>;

export type ScopeName = keyof typeof SCOPES;

/**
 * Stage overrides (`rateLimits` in the stage config) arrive as JSON in NIMBUS_RATE_LIMITS,
 * e.g. `{"auth_register":{"limit":1000}}`; anything not overridden keeps the defaults above.
 */
function effectiveScopes(): Record<ScopeName, ScopeSpec> {
  const raw = process.env.NIMBUS_RATE_LIMITS;
  const overrides = (raw ? JSON.parse(raw) : {}) as Partial<Record<ScopeName, Partial<ScopeSpec>>>;
  const out = {} as Record<ScopeName, ScopeSpec>;
  for (const name of Object.keys(SCOPES) as ScopeName[]) {
    const spec: ScopeSpec = { ...SCOPES[name], ...overrides[name] };
    if (!Number.isInteger(spec.limit) || spec.limit < 1)
      throw new Error(`NIMBUS_RATE_LIMITS: bad limit for ${name}`);
    out[name] = spec;
  }
  return out;
}

const scopes = effectiveScopes();

export interface Decision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch milliseconds when the window frees up. */
  readonly reset: number;
  /** Set when Redis did not decide (timeout or error) and the scope's fail mode did. */
  readonly degraded: boolean;
}

const limiters = new Map<ScopeName, Ratelimit>();

async function limiterFor(scope: ScopeName): Promise<Ratelimit> {
  const existing = limiters.get(scope);
  if (existing) return existing;
  const spec = scopes[scope];
  const limiter = new Ratelimit({
    redis: await getRedis(),
    limiter: Ratelimit.slidingWindow(spec.limit, spec.window),
    prefix: `nimbus:rl:${scope}`,
    // Blocked identifiers are remembered in-container until their reset: no Redis trip for them.
    ephemeralCache: new Map(),
    timeout: 1000,
    analytics: false,
  });
  limiters.set(scope, limiter);
  return limiter;
}

/** Decides whether `identifier` may pass `scope`; never throws because Redis is down. */
export async function decide(scope: ScopeName, identifier: string): Promise<Decision> {
  const spec = scopes[scope];
  try {
    const res = await (await limiterFor(scope)).limit(identifier);
    if (res.reason !== 'timeout') {
      return {
        allowed: res.success,
        limit: res.limit,
        remaining: res.remaining,
        reset: res.reset,
        degraded: false,
      };
    }
  } catch (error) {
    logger.warn('rate limiter unavailable', { scope, error });
  }
  metrics.addMetric('RateLimitFallback', MetricUnit.Count, 1);
  logger.warn('rate limit decided by fail mode', { scope, fail: spec.fail });
  return {
    allowed: spec.fail === 'open',
    limit: spec.limit,
    remaining: 0,
    reset: Date.now() + 60_000,
    degraded: true,
  };
}

/** Clears an identifier's count in a scope (admin reset, or a success where the scope says so). */
export async function reset(scope: ScopeName, identifier: string): Promise<void> {
  try {
    await (await limiterFor(scope)).resetUsedTokens(identifier);
  } catch (error) {
    logger.warn('rate limit reset failed', { scope, error });
  }
}

/** Throws 429 (or 503 when a fail-closed scope cannot reach Redis) unless the request may pass. */
export async function enforce(scope: ScopeName, identifier: string): Promise<Decision> {
  const decision = await decide(scope, identifier);
  if (decision.allowed) return decision;
  const retryAfter = Math.max(1, Math.ceil((decision.reset - Date.now()) / 1000));
  if (decision.degraded) {
    throw new ServiceUnavailableError('The rate limiter is unavailable; try again shortly.', { retryAfter });
  }
  throw new TooManyRequestsError(retryAfter, scope);
}

/** Headers describing a decision (IETF RateLimit fields). */
export function scopeSpec(scope: ScopeName): ScopeSpec {
  return scopes[scope];
}

export function rateLimitHeaders(scope: ScopeName, decision: Decision): Record<string, string> {
  const spec = scopes[scope];
  const windowSeconds =
    Number.parseInt(spec.window, 10) * { s: 1, m: 60, h: 3600 }[spec.window.slice(-1) as 's' | 'm' | 'h'];
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, decision.remaining)),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((decision.reset - Date.now()) / 1000))),
    'RateLimit-Policy': `${decision.limit};w=${windowSeconds}`,
  };
}
