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
  // The local stage fires the expiry watch every minute (`jobs.schedules` in lib/config/stages.ts):
  // a run recorded after this test started can only come from the deployed rule firing.
  it('runs the expiry watch when its rule fires, and records the run in the audit trail', async () => {
    const startedAt = new Date().toISOString();
    const admin = await loginAs(localAdmin().email, localAdmin().password);
    const deadline = Date.now() + 100_000;

    let run: AuditItem | undefined;
    while (run === undefined && Date.now() < deadline) {
      const res = await call('/v1/audit?subject=job:expiry-watch&limit=5', {
        headers: bearer(admin.accessToken),
      });
      assert.equal(res.status, 200, res.text);
      const items = (res.json?.items ?? []) as AuditItem[];
      run = items.find((e) => e.type === 'job.run' && e.at >= startedAt);
      if (run === undefined) await sleep(5_000);
    }

    assert.ok(run, 'a job.run event of the expiry watch within 100 s');
    assert.equal(run.actor, 'job:expiry-watch');
    assert.equal(run.data.outcome, 'succeeded', JSON.stringify(run.data));
  });
});
