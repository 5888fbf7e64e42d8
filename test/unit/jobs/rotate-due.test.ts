import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RotateDueDeps } from '#functions/jobs/deps.ts';
import { rotateDue } from '#functions/jobs/use-cases/rotate-due.ts';
import { JobFailedError } from '#functions/jobs/use-cases/run.ts';
import { memoryEventStore } from '../../support/fakes.ts';
import { fakeApiKeyJobs, fakeSigningKeyJobs, jobContext, metricLog } from '../../support/jobs.ts';

const NOW = '2026-03-01T03:00:00.000Z';

function harness(behaviour: {
  rotateIfDue?: () => Promise<{ rotated: boolean; reason: string }>;
  rotateDue?: () => Promise<{ rotated: string[] }>;
}) {
  const events = memoryEventStore(() => new Date(NOW));
  const metrics = metricLog();
  const calls: string[] = [];
  const deps: RotateDueDeps = {
    events,
    metric: metrics.metric,
    signingKeys: fakeSigningKeyJobs(
      { currentKid: 'kid-1', nextRotationAt: null },
      {
        rotateIfDue: async () => {
          calls.push('signing-keys');
          return (behaviour.rotateIfDue ?? (async () => ({ rotated: true, reason: 'due' })))();
        },
      },
    ),
    apiKeys: fakeApiKeyJobs([], {
      rotateDue: async () => {
        calls.push('api-keys');
        return (behaviour.rotateDue ?? (async () => ({ rotated: ['k1', 'k2'] })))();
      },
    }),
  };
  return { deps, events, metrics, calls };
}

describe('rotate-due job', () => {
  it('rotates signing keys and API keys and records a succeeded run', async () => {
    const h = harness({});

    await rotateDue(h.deps, jobContext(NOW, 'evt-1'));

    assert.deepEqual(h.calls, ['signing-keys', 'api-keys']);
    const [run] = await h.events.list('job:rotate-due');
    assert.equal(run?.type, 'job.run');
    assert.equal(run?.actor, 'job:rotate-due');
    assert.equal(run?.correlationId, 'evt-1');
    assert.deepEqual(
      { outcome: run?.data.outcome, signing: run?.data.signingKeysRotated, api: run?.data.apiKeysRotated },
      { outcome: 'succeeded', signing: true, api: 2 },
    );
    assert.deepEqual(h.metrics.of('JobFailures'), []);
    assert.deepEqual(h.metrics.of('JobRuns'), [1]);
  });

  it('still rotates API keys when the signing-key rotation fails, then fails the invocation', async () => {
    const h = harness({
      rotateIfDue: async () => {
        throw new Error('testSecret: probe token did not verify');
      },
    });

    await assert.rejects(rotateDue(h.deps, jobContext(NOW)), (error: unknown) => {
      assert.ok(error instanceof JobFailedError);
      assert.deepEqual(error.failedSteps, ['signing-keys']);
      return true;
    });
    assert.deepEqual(h.calls, ['signing-keys', 'api-keys']);
    assert.deepEqual(h.metrics.of('JobFailures'), [1]);
    const [run] = await h.events.list('job:rotate-due');
    assert.equal(run?.data.outcome, 'failed');
    assert.equal(run?.data.apiKeysRotated, 2);
  });

  it('has rotated the signing keys when the API-key rotation fails, and counts each failure', async () => {
    const h = harness({
      rotateDue: async () => {
        throw new Error('table throttled');
      },
    });

    await assert.rejects(rotateDue(h.deps, jobContext(NOW)), JobFailedError);
    const [run] = await h.events.list('job:rotate-due');
    assert.deepEqual(run?.data.failedSteps, ['api-keys']);
    assert.equal(run?.data.signingKeysRotated, true);
    assert.deepEqual(h.metrics.of('JobFailures'), [1]);
  });

  it('fails the invocation when the run cannot be recorded, after doing the work', async () => {
    const h = harness({});
    const deps: RotateDueDeps = {
      ...h.deps,
      events: {
        ...h.events,
        append: async () => {
          throw new Error('events table unavailable');
        },
      },
    };

    await assert.rejects(rotateDue(deps, jobContext(NOW)), (error: unknown) => {
      assert.ok(error instanceof JobFailedError);
      assert.deepEqual(error.failedSteps, ['record-run']);
      return true;
    });
    assert.deepEqual(h.calls, ['signing-keys', 'api-keys']);
  });
});
