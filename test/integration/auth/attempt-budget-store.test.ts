import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { dynamoAttemptBudgetStore } from '#functions/auth/store/attempt-budgets.ts';
import { APP_TABLE } from '../../support/tables.ts';

const budgets = dynamoAttemptBudgetStore(APP_TABLE);
const NOW = Math.floor(Date.now() / 1000);

describe('dynamoAttemptBudgetStore on the emulator', () => {
  it('counts attempts up to the limit, then refuses without counting', async () => {
    const userId = randomUUID();

    const granted = [];
    for (let i = 0; i < 3; i++) granted.push(await budgets.reserve(userId, 'second-factor', 3, NOW));
    const refused = await budgets.reserve(userId, 'second-factor', 3, NOW);

    assert.deepEqual(
      granted.map((r) => [r.granted, r.state.failures]),
      [
        [true, 1],
        [true, 2],
        [true, 3],
      ],
    );
    assert.deepEqual(refused, { granted: false, state: { failures: 3, lockedUntil: null, lockouts: 0 } });
  });

  it('grants no more than the limit to attempts made all at once', async () => {
    const userId = randomUUID();

    const results = await Promise.all(
      Array.from({ length: 25 }, () => budgets.reserve(userId, 'second-factor', 10, NOW)),
    );

    assert.equal(results.filter((r) => r.granted).length, 10);
  });

  it('locks once per streak: of two locks on the same count one wins; the lock refuses until it ends', async () => {
    const userId = randomUUID();
    for (let i = 0; i < 2; i++) await budgets.reserve(userId, 'second-factor', 2, NOW);

    const [first, second] = await Promise.all([
      budgets.lock(userId, 'second-factor', 2, NOW + 900),
      budgets.lock(userId, 'second-factor', 2, NOW + 900),
    ]);
    const whileLocked = await budgets.reserve(userId, 'second-factor', 2, NOW + 899);
    const after = await budgets.reserve(userId, 'second-factor', 2, NOW + 900);

    assert.deepEqual([first, second].sort(), [false, true]);
    assert.deepEqual(whileLocked, {
      granted: false,
      state: { failures: 0, lockedUntil: NOW + 900, lockouts: 1 },
    });
    assert.deepEqual(after, { granted: true, state: { failures: 1, lockedUntil: NOW + 900, lockouts: 1 } });
  });

  it('forgets the count, the lock and the lockout history on clear', async () => {
    const userId = randomUUID();
    await budgets.reserve(userId, 'second-factor', 1, NOW);
    await budgets.lock(userId, 'second-factor', 1, NOW + 900);

    await budgets.clear(userId, 'second-factor');

    assert.deepEqual(await budgets.reserve(userId, 'second-factor', 1, NOW), {
      granted: true,
      state: { failures: 1, lockedUntil: null, lockouts: 0 },
    });
  });

  it('keeps each budget of an account apart', async () => {
    const userId = randomUUID();
    await budgets.reserve(userId, 'second-factor', 1, NOW);

    assert.equal((await budgets.reserve(userId, 'step-up', 1, NOW)).granted, true);
    assert.equal((await budgets.reserve(userId, 'second-factor', 1, NOW)).granted, false);
  });
});
