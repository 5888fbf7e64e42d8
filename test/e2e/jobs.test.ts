import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearer, localAdmin, loginAs } from '../support/identity.ts';
import { call } from '../support/stack.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AuditItem {
  readonly type: string;
  readonly actor: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

describe('scheduled jobs on the local stack', () => {
  // The local stage fires the expiry watch every minute and the retention cleanup every two
  // (`jobs.schedules` in lib/config/stages.ts): a run recorded after this test started can only
  // come from the deployed rule firing. Both are awaited together.
  it('runs the expiry watch and the retention cleanup when their rules fire, and records each run', async () => {
    const startedAt = new Date().toISOString();
    const admin = await loginAs(localAdmin().email, localAdmin().password);

    const runOf = async (job: string, withinMs: number): Promise<AuditItem | undefined> => {
      const deadline = Date.now() + withinMs;
      while (Date.now() < deadline) {
        const res = await call(`/v1/audit?subject=job:${job}&limit=5`, {
          headers: bearer(admin.accessToken),
        });
        assert.equal(res.status, 200, res.text);
        const items = (res.json?.items ?? []) as AuditItem[];
        const run = items.find((e) => e.type === 'job.run' && e.at >= startedAt);
        if (run !== undefined) return run;
        await sleep(5_000);
      }
      return undefined;
    };
    const [watch, retention] = await Promise.all([
      runOf('expiry-watch', 100_000),
      runOf('retention-cleanup', 160_000),
    ]);

    assert.ok(watch, 'a job.run event of the expiry watch within 100 s');
    assert.equal(watch.actor, 'job:expiry-watch');
    assert.equal(watch.data.outcome, 'succeeded', JSON.stringify(watch.data));
    assert.ok(retention, 'a job.run event of the retention cleanup within 160 s');
    assert.equal(retention.data.outcome, 'succeeded', JSON.stringify(retention.data));
    // Counts per retention class, as the run reports them (metrics and the structured log too).
    assert.deepEqual(Object.keys(retention.data.deleted as object).sort(), [
      'auditPersonal',
      'exports',
      'receipts',
      'sessions',
    ]);
  });
});
