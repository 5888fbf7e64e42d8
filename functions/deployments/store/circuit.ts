import type { TargetCircuit } from '../domain/model.ts';

/**
 * A circuit breaker per deployment target, in Redis so that every saga execution sees the same
 * one: after `failureThreshold` consecutive driver failures the target's circuit opens and the
 * saga fails fast for `cooldownSeconds`; then it half-opens and lets exactly one trial deployment
 * through (a second one is refused while the trial holds its slot, for at most a cool-down); the
 * trial's success closes it, its failure opens it again. (The in-process `#shared/circuit-breaker.ts`
 * guards one container's calls to Redis itself; this one is shared state across executions.)
 *
 * Each decision is one Lua script, so two executions can never both take the half-open trial. The
 * key holds the target's id only: `nimbus:deploy:circuit:<targetId>`, a hash of `failures`,
 * `openUntil` and `trialUntil` (epoch ms), expiring a day after its last change.
 */

export type CircuitDecision =
  | { readonly allowed: true /** This call is the half-open trial. */; readonly trial: boolean }
  | { readonly allowed: false; readonly reason: string; readonly retryAfterSeconds: number };

export interface TargetCircuitBreaker {
  state(targetId: string): Promise<TargetCircuit>;
  /** Whether a deployment may go to the target now (taking the half-open trial when it is free). */
  allow(targetId: string): Promise<CircuitDecision>;
  /** The driver succeeded: closed, failures reset. */
  recordSuccess(targetId: string): Promise<void>;
  /** The driver failed: counted; opens at the threshold, or at once while half-open. */
  recordFailure(targetId: string): Promise<TargetCircuit>;
}

/** The part of the Upstash client the breaker uses (`getRedis()`), so tests can hand any client. */
export interface ScriptRunner {
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
}

export interface CircuitSettings {
  readonly failureThreshold: number;
  readonly cooldownSeconds: number;
}

/** The root of the deployment domain's Redis keys, and the circuits' prefix (redis-keys.ts declares them). */
export const DEPLOY_PREFIX = 'nimbus:deploy:';
export const CIRCUIT_PREFIX = `${DEPLOY_PREFIX}circuit:`;
export const circuitKey = (targetId: string) => `${CIRCUIT_PREFIX}${targetId}`;

const KEEP_SECONDS = 86_400;
/** The longest a circuit key lives: a day after its last change, plus the longest cool-down. */
export const CIRCUIT_MAX_TTL_SECONDS = KEEP_SECONDS + 3600;

// Returns {failures, openUntil}.
const STATE = `
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
return {failures, openUntil}`;

// ARGV: now ms, trial slot ms, keep s. Returns {allowed 0|1, wait ms, half-open 0|1}.
const ALLOW = `
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return {1, 0, 0} end
local now = tonumber(ARGV[1])
if now < openUntil then return {0, openUntil - now, 0} end
local trialUntil = tonumber(redis.call('HGET', KEYS[1], 'trialUntil') or '0')
if now < trialUntil then return {0, trialUntil - now, 1} end
redis.call('HSET', KEYS[1], 'trialUntil', tostring(now + tonumber(ARGV[2])))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {1, 0, 1}`;

// ARGV: now ms, threshold, cool-down ms, keep s. Returns {failures, openUntil}.
const FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if failures >= tonumber(ARGV[2]) or openUntil > 0 then
  openUntil = tonumber(ARGV[1]) + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'openUntil', tostring(openUntil), 'trialUntil', '0')
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {failures, openUntil}`;

function numbers(result: unknown, count: number): number[] {
  if (!Array.isArray(result) || result.length !== count)
    throw new Error('unexpected answer from the circuit script');
  return result.map((value) => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error('unexpected answer from the circuit script');
    return n;
  });
}

export function redisTargetCircuit(
  redis: () => Promise<ScriptRunner>,
  settings: CircuitSettings,
  now: () => number = Date.now,
): TargetCircuitBreaker {
  const cooldownMs = settings.cooldownSeconds * 1000;
  const keep = String(KEEP_SECONDS + settings.cooldownSeconds);
  const view = (failures: number, openUntil: number, at: number): TargetCircuit => {
    if (openUntil === 0) return { state: 'closed', failures, openUntil: null };
    return {
      state: at < openUntil ? 'open' : 'half-open',
      failures,
      openUntil: new Date(openUntil).toISOString(),
    };
  };
  return {
    async state(targetId) {
      const at = now();
      const [failures = 0, openUntil = 0] = numbers(
        await (await redis()).eval(STATE, [circuitKey(targetId)], []),
        2,
      );
      return view(failures, openUntil, at);
    },

    async allow(targetId) {
      const [allowed = 0, waitMs = 0, halfOpen = 0] = numbers(
        await (await redis()).eval(ALLOW, [circuitKey(targetId)], [String(now()), String(cooldownMs), keep]),
        3,
      );
      if (allowed === 1) return { allowed: true, trial: halfOpen === 1 };
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      return {
        allowed: false,
        retryAfterSeconds,
        reason:
          halfOpen === 1
            ? `the target's circuit is half-open and its trial deployment is in progress; retry after ${retryAfterSeconds} s`
            : `the target's circuit is open after repeated failures; retry after ${retryAfterSeconds} s`,
      };
    },

    async recordSuccess(targetId) {
      await (await redis()).eval("return redis.call('DEL', KEYS[1])", [circuitKey(targetId)], []);
    },

    async recordFailure(targetId) {
      const at = now();
      const [failures = 0, openUntil = 0] = numbers(
        await (await redis()).eval(
          FAILURE,
          [circuitKey(targetId)],
          [String(at), String(settings.failureThreshold), String(cooldownMs), keep],
        ),
        2,
      );
      return view(failures, openUntil, at);
    },
  };
}
