import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RetentionOutcome } from '#functions/gdpr/use-cases/retention.ts';
import type { RetentionCleanupDeps } from '#functions/jobs/deps.ts';
import { retentionCleanup } from '#functions/jobs/use-cases/retention-cleanup.ts';
import { JobFailedError } from '#functions/jobs/use-cases/run.ts';
import { memoryEventStore } from '../../support/fakes.ts';
import { jobContext, metricLog } from '../../support/jobs.ts';

const NOW = '2026-03-01T04:00:00.000Z';

function harness(apply: (now: Date) => Promise<RetentionOutcome>) {
  const events = memoryEventStore(() => new Date(NOW));
  const metrics = metricLog();
  const messages: Array<{ subject: string; body: string }> = [];
  const asked: Date[] = [];
  const deps: RetentionCleanupDeps = {
    events,
    metric: metrics.metric,
    retention: {
      apply: async (now) => {
        asked.push(now);
        return apply(now);
      },
    },
    alerts: {
      publish: async (subject, body) => {
        messages.push({ subject, body });
      },
    },
    stage: 'test',
  };
  return { deps, events, metrics, messages, asked };
}

const outcome = (overdueErasures: string[]): RetentionOutcome => ({
  deleted: { sessions: 3, exports: 1, receipts: 2, auditPersonal: 4 },
  overdueErasures,
});

describe('retention-cleanup job', () => {
  it('applies retention at the scheduled time and emits one metric per class, and no alert when nothing is overdue', async () => {
    const h = harness(async () => outcome([]));

    await retentionCleanup(h.deps, jobContext(NOW, 'evt-1'));

    assert.deepEqual(h.asked, [new Date(NOW)]);
    assert.deepEqual(
      {
        sessions: h.metrics.of('RetentionDeletedSessions'),
        exports: h.metrics.of('RetentionDeletedExports'),
        receipts: h.metrics.of('RetentionDeletedReceipts'),
        keys: h.metrics.of('RetentionDeletedAuditKeys'),
        overdue: h.metrics.of('ErasuresOverdue'),
      },
      { sessions: [3], exports: [1], receipts: [2], keys: [4], overdue: [0] },
    );
    assert.deepEqual(h.messages, []);
    const [run] = await h.events.list('job:retention-cleanup');
    assert.equal(run?.correlationId, 'evt-1');
    assert.deepEqual(
      { outcome: run?.data.outcome, deleted: run?.data.deleted, overdue: run?.data.overdueErasures },
      { outcome: 'succeeded', deleted: outcome([]).deleted, overdue: 0 },
    );
    assert.deepEqual(h.metrics.of('JobFailures'), []);
  });

  it('publishes one alert naming the stage and the overdue erasures', async () => {
    const h = harness(async () => outcome(['er_a', 'er_b']));

    await retentionCleanup(h.deps, jobContext(NOW));

    assert.deepEqual(h.metrics.of('ErasuresOverdue'), [2]);
    assert.equal(h.messages.length, 1);
    const [message] = h.messages;
    assert.match(message?.subject ?? '', /\[nimbus test\] 2 GDPR erasure\(s\) overdue/);
    assert.match(message?.body ?? '', /er_a, er_b/);
  });

  it('records a failed run and fails the invocation when the sweep fails, with no class metrics', async () => {
    const h = harness(async () => {
      throw new Error('table unavailable');
    });

    await assert.rejects(retentionCleanup(h.deps, jobContext(NOW)), JobFailedError);

    assert.deepEqual(h.metrics.of('JobFailures'), [1]);
    assert.deepEqual(h.metrics.of('RetentionDeletedSessions'), []);
    assert.deepEqual(h.messages, []);
    const [run] = await h.events.list('job:retention-cleanup');
    assert.deepEqual(
      { outcome: run?.data.outcome, steps: run?.data.failedSteps },
      { outcome: 'failed', steps: ['sweep'] },
    );
  });
});
