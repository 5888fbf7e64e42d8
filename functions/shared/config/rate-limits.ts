import { intEnv } from '../env.ts';
import { resolveScopes, type ScopeName, type ScopeSpec } from '../ratelimit/scopes.ts';

/** The stage's overrides of the seed scopes (`lib/config/stages.ts`, `rateLimits`), checked at init. */
export type ScopeOverrides = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface RateLimitSettings {
  readonly overrides: ScopeOverrides;
  /** How long Redis may take to decide before the scope's fail mode decides instead. @default 500 */
  readonly redisTimeoutMs?: number;
  /** After Redis failed, skip it this long, then try again. @default 5000 */
  readonly breakerMs?: number;
}

export interface RateLimitConfig {
  readonly scopes: Readonly<Record<ScopeName, ScopeSpec>>;
  readonly redisTimeoutMs: number;
  readonly breakerMs: number;
}

export function rateLimitEnvironment(settings: RateLimitSettings): Record<string, string> {
  return {
    NIMBUS_RATE_LIMITS: JSON.stringify(settings.overrides),
    ...(settings.redisTimeoutMs === undefined
      ? {}
      : { NIMBUS_RATE_LIMIT_TIMEOUT_MS: String(settings.redisTimeoutMs) }),
    ...(settings.breakerMs === undefined ? {} : { NIMBUS_RATE_LIMIT_BREAKER_MS: String(settings.breakerMs) }),
  };
}

/** The seed scopes with the stage's overrides applied; an invalid override fails at init. */
export function rateLimitConfigFromEnv(): RateLimitConfig {
  return {
    scopes: resolveScopes(process.env.NIMBUS_RATE_LIMITS),
    redisTimeoutMs: intEnv('NIMBUS_RATE_LIMIT_TIMEOUT_MS', 500),
    breakerMs: intEnv('NIMBUS_RATE_LIMIT_BREAKER_MS', 5000),
  };
}
