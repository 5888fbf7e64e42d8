import { intEnv, optionalEnv } from '../env.ts';
import { resolveScopes, type ScopeName, type ScopeSpec } from '../ratelimit/scopes.ts';

/** The stage's overrides of the seed scopes (`lib/config/stages.ts`, `rateLimits`), checked at init. */
export type ScopeOverrides = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface RateLimitSettings {
  readonly overrides: ScopeOverrides;
  /** How long Redis may take to decide before the scope's fail mode decides instead. @default 500 */
  readonly redisTimeoutMs?: number;
  /** After Redis failed, skip it this long, then try again. @default 5000 */
  readonly breakerMs?: number;
  /**
   * Key of the HMAC that replaces identifiers (emails, IPs) in Redis key names, given directly by
   * tests and tools only; functions read it from the secret bound as `rateLimitKeySecret`, so it
   * never sits in a template. @default the bound secret
   */
  readonly identifierKey?: string;
}

export interface RateLimitConfig {
  readonly scopes: Readonly<Record<ScopeName, ScopeSpec>>;
  readonly redisTimeoutMs: number;
  readonly breakerMs: number;
  /** Set only where a process was given the key directly (see `RateLimitSettings`). */
  readonly identifierKey?: string;
}

export function rateLimitEnvironment(settings: RateLimitSettings): Record<string, string> {
  return {
    NIMBUS_RATE_LIMITS: JSON.stringify(settings.overrides),
    ...(settings.redisTimeoutMs === undefined
      ? {}
      : { NIMBUS_RATE_LIMIT_TIMEOUT_MS: String(settings.redisTimeoutMs) }),
    ...(settings.breakerMs === undefined ? {} : { NIMBUS_RATE_LIMIT_BREAKER_MS: String(settings.breakerMs) }),
    ...(settings.identifierKey === undefined ? {} : { NIMBUS_RATE_LIMIT_ID_KEY: settings.identifierKey }),
  };
}

/** The seed scopes with the stage's overrides applied; an invalid override fails at init. */
export function rateLimitConfigFromEnv(): RateLimitConfig {
  const identifierKey = optionalEnv('NIMBUS_RATE_LIMIT_ID_KEY', '');
  return {
    scopes: resolveScopes(process.env.NIMBUS_RATE_LIMITS),
    redisTimeoutMs: intEnv('NIMBUS_RATE_LIMIT_TIMEOUT_MS', 500),
    breakerMs: intEnv('NIMBUS_RATE_LIMIT_BREAKER_MS', 5000),
    ...(identifierKey === '' ? {} : { identifierKey }),
  };
}
