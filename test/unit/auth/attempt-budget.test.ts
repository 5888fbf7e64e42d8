import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AttemptContext,
  lockoutSeconds,
  spendAttempt,
} from '#functions/auth/use-cases/attempt-budget.ts';
import { DependencyUnavailableError, TooManyAttemptsError } from '#shared/domain-errors.ts';
import { fakeAuthDeps } from '../../support/auth-fakes.ts';

// Each attempt from another address: the budget is the account's, whatever the source.
const from = (n: number): AttemptContext => ({
  userId: 'user-1',
  via: 'login',
  ip: `198.51.100.${n}`,
  correlationId: `corr-${n}`,
});
const wrong = async () => false;
const right = async () => true;

function isLocked(retryAfterSeconds: number, code = 'second-factor-locked') {
  return (error: unknown) =>
    error instanceof TooManyAttemptsError &&
    error.code === code &&
    error.retryAfterSeconds === retryAfterSeconds;
}

/** Spends `count` wrong attempts that do not lock (the budget is 10 on the local stage). */
async function failTimes(deps: Awaited<ReturnType<typeof fakeAuthDeps>>['deps'], count: number) {
  for (let i = 0; i < count; i++)
    assert.equal(await spendAttempt(deps, 'second-factor', from(i), wrong), false);
}

describe('spendAttempt: the per-account attempt budget', () => {
  it('answers wrong attempts with false until the budget is spent, then locks the account, audited and counted', async () => {
    const { deps, events, counted } = await fakeAuthDeps();
    assert.equal(deps.config.attemptBudget, 10, 'precondition: the stage budget');

    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong), isLocked(900));

    const locked = events.appended.filter((e) => e.type === 'security.second-factor-locked');
    assert.equal(locked.length, 1);
    assert.equal(locked[0]?.subject, 'user:user-1');
    assert.equal(locked[0]?.data.via, 'login');
    assert.equal(counted.filter((m) => m === 'SecondFactorFailures').length, 10);
    assert.equal(counted.filter((m) => m === 'SecondFactorLockouts').length, 1);
  });

  it('refuses a right attempt while locked, without checking it', async () => {
    const { deps, clock } = await fakeAuthDeps();
    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong));
    clock.advance(60_000);
    let checked = false;

    await assert.rejects(
      spendAttempt(deps, 'second-factor', from(10), async () => {
        checked = true;
        return true;
      }),
      isLocked(840),
    );
    assert.equal(checked, false);
  });

  it('takes attempts again after the lockout, and doubles the next one', async () => {
    const { deps, clock } = await fakeAuthDeps();
    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong), isLocked(900));
    clock.advance(900_000);

    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong), isLocked(1800));
  });

  it('grows the lockout up to the ceiling', async () => {
    const { deps } = await fakeAuthDeps();

    assert.deepEqual(
      [0, 1, 2, 6, 7, 40].map((lockouts) => lockoutSeconds(deps.config, lockouts)),
      [900, 1800, 3600, 57_600, 86_400, 86_400],
    );
  });

  it('forgets the count and the lockout history after a success', async () => {
    const { deps, clock } = await fakeAuthDeps();
    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong), isLocked(900));
    clock.advance(900_000);
    await failTimes(deps, 9);

    assert.equal(await spendAttempt(deps, 'second-factor', from(20), right), true);

    await failTimes(deps, 9);
    await assert.rejects(spendAttempt(deps, 'second-factor', from(9), wrong), isLocked(900));
  });

  it('lets no more than the budget be checked when attempts arrive all at once', async () => {
    const { deps } = await fakeAuthDeps();
    let checked = 0;
    const guess = async () => {
      checked++;
      return false;
    };

    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => spendAttempt(deps, 'second-factor', from(i), guess)),
    );

    assert.equal(checked, 10);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 21);
  });

  it('keeps step-up passwords in a budget of their own, locked as step-up-locked', async () => {
    const { deps, events } = await fakeAuthDeps();
    await failTimes(deps, 5);

    for (let i = 0; i < 9; i++) assert.equal(await spendAttempt(deps, 'step-up', from(i), wrong), false);
    await assert.rejects(spendAttempt(deps, 'step-up', from(9), wrong), isLocked(900, 'step-up-locked'));
    assert.equal(events.appended.filter((e) => e.type === 'security.step-up-locked').length, 1);
    assert.equal(await spendAttempt(deps, 'second-factor', from(30), right), true);
  });

  it('fails closed: when the budget cannot be read, the attempt is refused unchecked', async () => {
    const { deps, budgets } = await fakeAuthDeps();
    budgets.unavailable = true;
    let checked = false;

    await assert.rejects(
      spendAttempt(deps, 'second-factor', from(1), async () => {
        checked = true;
        return true;
      }),
      DependencyUnavailableError,
    );
    assert.equal(checked, false);
  });
});
