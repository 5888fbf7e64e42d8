import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('assertReady (the readiness use case)', () => {
  it('answers ok with every check when all probes answer', async () => {
    const { assertReady } = await import('#functions/platform/use-cases/readiness.ts');
    const ok = { name: 'dynamodb', run: async () => 'fine' };

    const result = await assertReady({ probes: [ok], timeoutMs: 50 });

    assert.equal(result.status, 'ok');
    assert.equal(result.checks.dynamodb?.status, 'ok');
  });

  it('is unavailable naming the failing check, with no cause in what a client sees', async () => {
    const { assertReady } = await import('#functions/platform/use-cases/readiness.ts');
    const { DependencyUnavailableError } = await import('#shared/domain-errors.ts');
    const down = {
      name: 'redis',
      run: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
      },
    };

    await assert.rejects(assertReady({ probes: [down], timeoutMs: 50 }), (error: unknown) => {
      assert.ok(error instanceof DependencyUnavailableError);
      assert.deepEqual(error.details.failing, ['redis']);
      assert.doesNotMatch(JSON.stringify(error.details), /10\.0\.0\.7/);
      return true;
    });
  });
});
