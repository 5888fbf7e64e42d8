import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Limits } from '#functions/ratelimit/deps.ts';
import { inspectLimit } from '#functions/ratelimit/use-cases/inspect.ts';
import { resetLimit } from '#functions/ratelimit/use-cases/reset.ts';
import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { manualClock, memoryEventStore } from '../../support/fakes.ts';

function limits(state: { reset: number } | 'down'): Limits & { resets: string[] } {
  const resets: string[] = [];
  return {
    resets,
    async inspect() {
      if (state === 'down') throw new Error('ECONNREFUSED');
      return { limit: 100, remaining: 40, reset: state.reset };
    },
    async reset(scope, identifier) {
      if (state === 'down') throw new Error('ECONNREFUSED');
      resets.push(`${scope}/${identifier}`);
    },
  };
}

describe('rate-limit admin: inspect', () => {
  it('reports limit, remaining and the reset time', async () => {
    const clock = manualClock();
    const reset = clock.now().getTime() + 30_000;

    const view = await inspectLimit({ limits: limits({ reset }), now: clock.now }, 'global', 'ip:1');

    assert.deepEqual(view, {
      scope: 'global',
      identifier: 'ip:1',
      limit: 100,
      remaining: 40,
      reset: new Date(reset).toISOString(),
    });
  });

  it('says the window would start now when nothing was counted', async () => {
    const clock = manualClock();

    const view = await inspectLimit({ limits: limits({ reset: 0 }), now: clock.now }, 'global', 'ip:1');

    assert.equal(view.reset, clock.now().toISOString());
  });

  it('is unavailable, not failed, when Redis does not answer', async () => {
    await assert.rejects(
      inspectLimit({ limits: limits('down'), now: () => new Date() }, 'global', 'ip:1'),
      DependencyUnavailableError,
    );
  });
});

describe('rate-limit admin: reset', () => {
  it('resets the identifier and audits who did it', async () => {
    const events = memoryEventStore();
    const deps = { limits: limits({ reset: 0 }), now: () => new Date(), events };

    await resetLimit(deps, 'admin-1', { scope: 'auth_login', identifier: 'ip:1' }, 'corr-1');

    assert.deepEqual(deps.limits.resets, ['auth_login/ip:1']);
    assert.equal(events.appended.length, 1);
    assert.deepEqual(
      { ...events.appended[0], at: undefined, id: undefined },
      {
        subject: 'ratelimit:auth_login',
        version: 1,
        type: 'ratelimit.reset',
        actor: 'admin-1',
        at: undefined,
        correlationId: 'corr-1',
        data: { identifier: 'ip:1' },
        id: undefined,
      },
    );
  });

  it('audits nothing when Redis does not answer: nothing was reset', async () => {
    const events = memoryEventStore();

    await assert.rejects(
      resetLimit(
        { limits: limits('down'), now: () => new Date(), events },
        'admin-1',
        { scope: 'global', identifier: 'ip:1' },
        'corr-1',
      ),
      DependencyUnavailableError,
    );
    assert.equal(events.appended.length, 0);
  });
});
