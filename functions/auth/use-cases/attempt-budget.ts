import { DependencyUnavailableError, TooManyAttemptsError } from '#shared/domain-errors.ts';
import { logger } from '#shared/observability.ts';
import type { AuthDeps, SecurityMetric } from '../deps.ts';
import type { BudgetName, BudgetState } from '../store/attempt-budgets.ts';

export const SECOND_FACTOR_LOCKED = 'second-factor-locked';
export const STEP_UP_LOCKED = 'step-up-locked';

/** Who spends an attempt, and through which route: for the lockout's audit event. */
export interface AttemptContext {
  readonly userId: string;
  /** `login`, `totp-disable`, `keys-create`... */
  readonly via: string;
  readonly ip: string | null;
  readonly correlationId: string;
}

type BudgetDeps = Pick<AuthDeps, 'config' | 'attemptBudgets' | 'events' | 'now' | 'countMetric'>;

const BUDGETS: Readonly<
  Record<BudgetName, { code: string; what: string; failures: SecurityMetric; lockouts: SecurityMetric }>
> = {
  'second-factor': {
    code: SECOND_FACTOR_LOCKED,
    what: 'second-factor codes',
    failures: 'SecondFactorFailures',
    lockouts: 'SecondFactorLockouts',
  },
  'step-up': {
    code: STEP_UP_LOCKED,
    what: 'passwords',
    failures: 'StepUpFailures',
    lockouts: 'StepUpLockouts',
  },
};

/** The lockout after `lockouts` earlier ones without a success: doubling, up to the ceiling. */
export function lockoutSeconds(config: BudgetDeps['config'], lockouts: number): number {
  return Math.min(config.lockoutSeconds * 2 ** Math.min(lockouts, 30), config.maxLockoutSeconds);
}

function lockedError(budget: BudgetName, retryAfterSeconds: number): TooManyAttemptsError {
  const { code, what } = BUDGETS[budget];
  return new TooManyAttemptsError(
    `Too many wrong ${what} for this account: it is locked for ${retryAfterSeconds}s, and refuses every attempt until then.`,
    code,
    Math.max(1, retryAfterSeconds),
  );
}

/** The budget store is the guard: if it cannot answer, the attempt is refused (fail closed). */
async function guarded<T>(budget: BudgetName, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    logger.warn('attempt budget unavailable: attempt refused', { budget, error });
    throw new DependencyUnavailableError(
      `The ${BUDGETS[budget].what} cannot be checked right now; try again shortly.`,
      { check: 'attempt-budget' },
    );
  }
}

/** Locks the account (one of racing requests wins and records it); returns the lock's end. */
async function lock(
  deps: BudgetDeps,
  budget: BudgetName,
  context: AttemptContext,
  state: BudgetState,
  nowSeconds: number,
): Promise<number> {
  const lockedUntil = nowSeconds + lockoutSeconds(deps.config, state.lockouts);
  const won = await guarded(budget, () =>
    deps.attemptBudgets.lock(context.userId, budget, state.failures, lockedUntil),
  );
  if (won) {
    deps.countMetric(BUDGETS[budget].lockouts);
    await deps.events.append({
      subject: `user:${context.userId}`,
      type: `security.${budget}-locked`,
      actor: 'anonymous',
      correlationId: context.correlationId,
      data: { via: context.via, ip: context.ip, lockedUntil, lockouts: state.lockouts + 1 },
    });
  }
  return lockedUntil;
}

/**
 * Spends one attempt of the account's `budget` on `attempt` (which checks a secret and says
 * whether it was right). Independent of the source IP, and durable: `config.attemptBudget`
 * attempts without a success lock the account for `lockoutSeconds`, doubling with each lockout
 * until a success. While locked every attempt is refused *before* `attempt` runs, so a right
 * secret is refused too and guessing learns nothing. A success forgets the count.
 *
 * Throws `TooManyAttemptsError` when locked (or when this failure locked it), and
 * `DependencyUnavailableError` when the budget cannot be read or written.
 */
export async function spendAttempt(
  deps: BudgetDeps,
  budget: BudgetName,
  context: AttemptContext,
  attempt: () => Promise<boolean>,
): Promise<boolean> {
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  const limit = deps.config.attemptBudget;
  const reservation = await guarded(budget, () =>
    deps.attemptBudgets.reserve(context.userId, budget, limit, nowSeconds),
  );
  if (!reservation.granted) {
    const { state } = reservation;
    if (state.lockedUntil !== null && state.lockedUntil > nowSeconds) {
      throw lockedError(budget, state.lockedUntil - nowSeconds);
    }
    // The budget is spent but nobody locked it yet: the request holding the last attempt is still
    // checking it, or died doing so. Lock now rather than leave the account stuck unlocked-but-full.
    throw lockedError(budget, (await lock(deps, budget, context, state, nowSeconds)) - nowSeconds);
  }
  if (await attempt()) {
    await guarded(budget, () => deps.attemptBudgets.clear(context.userId, budget));
    return true;
  }
  deps.countMetric(BUDGETS[budget].failures);
  if (reservation.state.failures >= limit) {
    throw lockedError(
      budget,
      (await lock(deps, budget, context, reservation.state, nowSeconds)) - nowSeconds,
    );
  }
  return false;
}
