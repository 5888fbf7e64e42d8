import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReadiness, type Probe, ProbeReport, publicChecks, runChecks } from '#shared/health/checks.ts';

const ok = (name: string): Probe => ({ name, run: async () => 'PONG' });

class ConnectionRefusedError extends Error {
  override name = 'ConnectionRefusedError';
}

describe('checkReadiness', () => {
  it('is ok when every probe answers, with a latency per check', async () => {
    const readiness = await checkReadiness([ok('dynamodb'), ok('redis')], 1000);

    assert.equal(readiness.status, 'ok');
    assert.deepEqual(readiness.failing, []);
    assert.deepEqual(Object.keys(readiness.checks).sort(), ['dynamodb', 'redis']);
    for (const check of Object.values(readiness.checks)) {
      assert.equal(check.status, 'ok');
      assert.ok(Number.isInteger(check.latencyMs) && check.latencyMs >= 0);
      assert.equal(check.error, undefined);
    }
  });

  it('is ok with no probes at all', async () => {
    const readiness = await checkReadiness([], 1000);

    assert.deepEqual(readiness, { status: 'ok', checks: {}, failing: [] });
  });

  it('names a failing probe, with the error name for clients and the message for logs', async () => {
    const probes: Probe[] = [
      ok('dynamodb'),
      {
        name: 'redis',
        run: async () => {
          throw new ConnectionRefusedError('connect ECONNREFUSED 10.0.0.7:6379');
        },
      },
    ];

    const readiness = await checkReadiness(probes, 1000);

    assert.equal(readiness.status, 'fail');
    assert.deepEqual(readiness.failing, ['redis']);
    assert.equal(readiness.checks.dynamodb?.status, 'ok');
    assert.equal(readiness.checks.redis?.status, 'fail');
    assert.equal(readiness.checks.redis?.error, 'ConnectionRefusedError');
    assert.equal(readiness.checks.redis?.cause, 'connect ECONNREFUSED 10.0.0.7:6379');
  });

  // The per-test timeout turns a probe that is never cut off into a failure instead of a hang.
  it('reports a hanging probe as timeout and aborts its signal', { timeout: 5_000 }, async () => {
    let signal: AbortSignal | undefined;
    const hanging: Probe = {
      name: 'dynamodb',
      run: (abortSignal) => {
        signal = abortSignal;
        return new Promise(() => {});
      },
    };

    const readiness = await checkReadiness([hanging, ok('redis')], 50);

    assert.equal(readiness.status, 'fail');
    assert.deepEqual(readiness.failing, ['dynamodb']);
    assert.equal(readiness.checks.dynamodb?.error, 'timeout');
    assert.equal(readiness.checks.redis?.status, 'ok');
    assert.equal(signal?.aborted, true);
    assert.ok((readiness.checks.dynamodb?.latencyMs ?? 0) >= 40, 'it waited for the timeout');
  });

  it('still says timeout when the probe rejects because it was aborted', { timeout: 5_000 }, async () => {
    const abortable: Probe = {
      name: 'dynamodb',
      run: (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    };

    const readiness = await checkReadiness([abortable], 50);

    assert.equal(readiness.checks.dynamodb?.error, 'timeout');
  });

  it('runs the probes in parallel', async () => {
    // The first probe only answers once the second has started: run one after the other, it
    // would time out.
    let secondStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });
    const probes: Probe[] = [
      { name: 'first', run: () => started },
      {
        name: 'second',
        run: async () => {
          secondStarted();
        },
      },
    ];

    const readiness = await checkReadiness(probes, 2000);

    assert.equal(readiness.status, 'ok', JSON.stringify(readiness.checks));
  });

  it('never throws, whatever a probe does', async () => {
    const probes: Probe[] = [
      {
        name: 'throws-synchronously',
        run: () => {
          throw new TypeError('bad config');
        },
      },
      { name: 'rejects-with-a-string', run: () => Promise.reject('nope') },
      { name: 'rejects-with-undefined', run: () => Promise.reject(undefined) },
    ];

    const readiness = await checkReadiness(probes, 100);

    assert.equal(readiness.status, 'fail');
    assert.deepEqual(readiness.failing, [
      'throws-synchronously',
      'rejects-with-a-string',
      'rejects-with-undefined',
    ]);
    assert.equal(readiness.checks['throws-synchronously']?.error, 'TypeError');
    assert.equal(readiness.checks['rejects-with-a-string']?.error, 'error');
    assert.equal(readiness.checks['rejects-with-a-string']?.cause, 'nope');
  });
});

describe('runChecks (health v2)', () => {
  it('marks every probe required unless it says otherwise', async () => {
    const checks = await runChecks([ok('dynamodb'), { ...ok('redis'), required: false }], 1000);

    assert.equal(checks.dynamodb?.required, true);
    assert.equal(checks.redis?.required, false);
  });

  it('reports the facts of a probe report, and degrades a check whose report warns', async () => {
    const probes: Probe[] = [
      { name: 'queue', run: async () => new ProbeReport({ messages: 0, inFlight: 2 }) },
      { name: 'dlq', run: async () => new ProbeReport({ messages: 3, inFlight: 0 }, 'dead letters waiting') },
    ];

    const checks = await runChecks(probes, 1000);

    assert.equal(checks.queue?.status, 'ok');
    assert.deepEqual(checks.queue?.facts, { messages: 0, inFlight: 2 });
    assert.equal(checks.dlq?.status, 'degraded');
    assert.equal(checks.dlq?.error, 'dead letters waiting');
    assert.deepEqual(checks.dlq?.facts, { messages: 3, inFlight: 0 });
  });

  it('degrades a probe that answers after slowMs, and not one that answers before', async () => {
    const slow: Probe = { name: 'slow', run: () => new Promise((resolve) => setTimeout(resolve, 80)) };

    const checks = await runChecks([slow, ok('fast')], 1000, { slowMs: 30 });

    assert.equal(checks.slow?.status, 'degraded');
    assert.equal(checks.slow?.error, 'slow');
    assert.equal(checks.fast?.status, 'ok');
  });

  it('counts a degraded check as ready: it answered', async () => {
    const warned: Probe = {
      name: 'dlq',
      run: async () => new ProbeReport({ messages: 1 }, 'dead letters waiting'),
    };

    const readiness = await checkReadiness([warned], 1000);

    assert.equal(readiness.status, 'ok');
    assert.deepEqual(readiness.failing, []);
  });

  it('shows a client everything but the cause', async () => {
    const down: Probe = {
      name: 'redis',
      run: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
      },
    };

    const shown = publicChecks(await runChecks([down], 1000));

    assert.deepEqual(Object.keys(shown.redis ?? {}).sort(), ['error', 'latencyMs', 'required', 'status']);
    assert.doesNotMatch(JSON.stringify(shown), /10\.0\.0\.7/);
  });
});
