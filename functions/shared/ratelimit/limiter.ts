import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { Ratelimit } from '@upstash/ratelimit';
import { CircuitBreaker } from '../circuit-breaker.ts';
import { getRedis } from '../clients/redis.ts';
import { rateLimitConfigFromEnv } from '../config/rate-limits.ts';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors.ts';
import { logger, metrics, recordRedisFallback } from '../observability.ts';
import { redisIdentifier as hashedIdentifier, identifierKeyLoader } from './identifiers.ts';
import { LocalLimiter } from './local-limiter.ts';
import { RATE_LIMIT_PREFIX, type ScopeName, type ScopeSpec, windowMs } from './scopes.ts';

export { SCOPES, type ScopeName, type ScopeSpec } from './scopes.ts';

const {
  scopes,
  redisTimeoutMs: REDIS_TIMEOUT_MS,
  breakerMs: BREAKER_OPEN_MS,
  identifierKey: DIRECT_IDENTIFIER_KEY,
} = rateLimitConfigFromEnv();
const identifierKey = identifierKeyLoader(DIRECT_IDENTIFIER_KEY);

/** The name Redis knows an identifier by (see `identifiers.ts`): never the email or IP itself. */
async function redisIdentifier(identifier: string): Promise<string> {
  return hashedIdentifier(await identifierKey(), identifier);
}

export interface Decision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch milliseconds when the window frees up. */
  readonly reset: number;
  /** Who decided: Redis, the in-memory fallback, or the fail mode (open/closed) alone. */
  readonly decidedBy: 'redis' | 'local' | 'fail-mode';
}

const limiters = new Map<ScopeName, Ratelimit>();
const locals = new Map<ScopeName, LocalLimiter>();
const breaker = new CircuitBreaker(BREAKER_OPEN_MS, Date.now, 'ratelimit:redis');

function algorithmOf(spec: ScopeSpec) {
  switch (spec.algorithm) {
    case 'tokenBucket':
      return Ratelimit.tokenBucket(spec.limit, spec.window, spec.limit);
    case 'fixedWindow':
      return Ratelimit.fixedWindow(spec.limit, spec.window);
    default:
      return Ratelimit.slidingWindow(spec.limit, spec.window);
  }
}

async function limiterFor(scope: ScopeName): Promise<Ratelimit> {
  const existing = limiters.get(scope);
  if (existing) return existing;
  const limiter = new Ratelimit({
    redis: await getRedis(),
    limiter: algorithmOf(scopes[scope]),
    prefix: `${RATE_LIMIT_PREFIX}${scope}`,
    // Identifiers already blocked are remembered in-container until their reset: a blocked
    // caller hammering the API costs no Redis round trip. Scopes that are reset on success (login)
    // skip it, or a reset could not unblock a container that cached the block.
    ephemeralCache: scopes[scope].resetOnSuccess ? false : new Map(),
    timeout: REDIS_TIMEOUT_MS,
    analytics: false,
  });
  limiters.set(scope, limiter);
  return limiter;
}

function localFor(scope: ScopeName): LocalLimiter {
  let local = locals.get(scope);
  if (local === undefined) {
    local = new LocalLimiter(scopes[scope]);
    locals.set(scope, local);
  }
  return local;
}

function fallback(scope: ScopeName, identifier: string, cause: string): Decision {
  const spec = scopes[scope];
  metrics.addMetric(`RateLimitFallback_${spec.fail}`, MetricUnit.Count, 1);
  recordRedisFallback();
  logger.warn('rate limit decided without Redis', { scope, fail: spec.fail, cause });
  if (spec.fail === 'local') {
    const local = localFor(scope).limit(identifier);
    return { ...local, limit: spec.limit, decidedBy: 'local' };
  }
  return {
    allowed: spec.fail === 'open',
    limit: spec.limit,
    remaining: 0,
    reset: Date.now() + Math.min(windowMs(spec.window), 60_000),
    decidedBy: 'fail-mode',
  };
}

/**
 * Decides whether `identifier` may pass `scope`. Never throws because Redis is down: a timeout
 * or an error opens a short breaker and the scope's fail mode decides until Redis answers again.
 */
export async function decide(scope: ScopeName, identifier: string): Promise<Decision> {
  if (breaker.isOpen) return fallback(scope, identifier, 'breaker open');
  try {
    // On a cold container both read a secret (the Upstash token, the identifier key): at once.
    const [limiter, key] = await Promise.all([limiterFor(scope), redisIdentifier(identifier)]);
    const res = await limiter.limit(key);
    if (res.reason !== 'timeout') {
      return {
        allowed: res.success,
        limit: res.limit,
        remaining: res.remaining,
        reset: res.reset,
        decidedBy: 'redis',
      };
    }
  } catch (error) {
    logger.debug('rate limiter error', { scope, error });
  }
  breaker.trip();
  return fallback(scope, identifier, 'redis unavailable');
}

/** What Redis says about an identifier, without counting a request (admin view). */
export async function inspect(
  scope: ScopeName,
  identifier: string,
): Promise<{ remaining: number; reset: number; limit: number }> {
  const res = await (await limiterFor(scope)).getRemaining(await redisIdentifier(identifier));
  return { remaining: res.remaining, reset: res.reset, limit: scopes[scope].limit };
}

/** Clears an identifier's count in a scope (admin reset, or a success where the scope says so). */
export async function reset(scope: ScopeName, identifier: string): Promise<void> {
  localFor(scope).reset(identifier);
  await (await limiterFor(scope)).resetUsedTokens(await redisIdentifier(identifier));
}

export function scopeSpec(scope: ScopeName): ScopeSpec {
  return scopes[scope];
}

/** Throws 429 (or 503 when a fail-closed scope cannot reach Redis) unless the request may pass. */
export async function enforce(scope: ScopeName, identifier: string): Promise<Decision> {
  const decision = await decide(scope, identifier);
  if (decision.allowed) return decision;
  const retryAfter = Math.max(1, Math.ceil((decision.reset - Date.now()) / 1000));
  if (decision.decidedBy === 'fail-mode') {
    throw new ServiceUnavailableError('The rate limiter is unavailable; try again shortly.', { retryAfter });
  }
  throw new TooManyRequestsError(retryAfter, scope, rateLimitHeaders(scope, decision));
}

/** Headers describing a decision (IETF RateLimit fields). */
export function rateLimitHeaders(scope: ScopeName, decision: Decision): Record<string, string> {
  const spec = scopes[scope];
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, decision.remaining)),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((decision.reset - Date.now()) / 1000))),
    'RateLimit-Policy': `${decision.limit};w=${Math.round(windowMs(spec.window) / 1000)}`,
  };
}
