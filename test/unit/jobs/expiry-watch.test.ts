import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpiryWatchDeps } from '#functions/jobs/deps.ts';
import { EXPIRY_WARNING } from '#functions/jobs/domain/expiry.ts';
import { expiryWatch } from '#functions/jobs/use-cases/expiry-watch.ts';
import { JobFailedError } from '#functions/jobs/use-cases/run.ts';
import { memoryEventStore } from '../../support/fakes.ts';
import { fakeApiKeyJobs, fakeSigningKeyJobs, jobContext, metricLog } from '../../support/jobs.ts';

const NOW = '2026-03-01T08:00:00.000Z';
const DAY = 24 * 3600 * 1000;
const at = (offsetMs: number) => new Date(Date.parse(NOW) + offsetMs).toISOString();

function harness(
  options: {
    keys?: Array<{ keyId: string; ownerId: string; expiresAt: string }>;
    signing?: { currentKid: string | null; nextRotationAt: string | null };
    publish?: (subject: string, body: string) => Promise<void>;
  } = {},
) {
  const events = memoryEventStore(() => new Date(NOW));
  const metrics = metricLog();
  const messages: Array<{ subject: string; body: string }> = [];
  const deps: ExpiryWatchDeps = {
    events,
    metric: metrics.metric,
    apiKeys: fakeApiKeyJobs(options.keys ?? []),
    signingKeys: fakeSigningKeyJobs(options.signing ?? { currentKid: 'kid-1', nextRotationAt: at(30 * DAY) }),
    alerts: {
      publish:
        options.publish ??
        (async (subject, body) => {
          messages.push({ subject, body });
        }),
    },
    settings: { expiryWarningDays: 14, signingKeyGraceDays: 3 },
    stage: 'test',
  };
  const warnings = () => events.appended.filter((e) => e.type === EXPIRY_WARNING);
  return { deps, events, metrics, messages, warnings };
}

describe('expiry watch: the warning window', () => {
  it('warns about exactly the keys expiring after now and at most 14 days from now, boundaries included', async () => {
    const h = harness({
      keys: [
        { keyId: 'in-1ms', ownerId: 'u1', expiresAt: at(1) },
        { keyId: 'in-7d', ownerId: 'u1', expiresAt: at(7 * DAY) },
        { keyId: 'at-window-end', ownerId: 'u2', expiresAt: at(14 * DAY) },
        { keyId: 'just-after-window', ownerId: 'u2', expiresAt: at(14 * DAY + 1) },
        { keyId: 'expires-now', ownerId: 'u3', expiresAt: at(0) },
        { keyId: 'expired-yesterday', ownerId: 'u3', expiresAt: at(-DAY) },
      ],
    });

    await expiryWatch(h.deps, jobContext(NOW));

    assert.deepEqual(
      h.warnings().map((e) => e.subject),
      ['apikey:in-1ms', 'apikey:in-7d', 'apikey:at-window-end'],
    );
    assert.deepEqual(h.metrics.of('KeysExpiringSoon'), [3]);
    assert.deepEqual(h.metrics.of('DaysToKeyExpiry'), [0, 7, 14]);
  });

  it('asks the keys feature for the configured window', async () => {
    const h = harness();
    await expiryWatch(h.deps, jobContext(NOW));
    const apiKeys = h.deps.apiKeys as ReturnType<typeof fakeApiKeyJobs>;
    assert.deepEqual(apiKeys.asked, [{ now: new Date(NOW), withinDays: 14 }]);
  });

  it('warns about a signing key once it is past its scheduled rotation plus the grace, not before', async () => {
    const before = harness({ signing: { currentKid: 'kid-7', nextRotationAt: at(-3 * DAY + 1) } });
    const after = harness({ signing: { currentKid: 'kid-7', nextRotationAt: at(-3 * DAY) } });

    await expiryWatch(before.deps, jobContext(NOW));
    await expiryWatch(after.deps, jobContext(NOW));

    assert.deepEqual(before.warnings(), []);
    const [warning] = after.warnings();
    assert.equal(warning?.subject, 'signing-keys');
    assert.equal(warning?.actor, 'job:expiry-watch');
    assert.equal(warning?.data.keyId, 'kid-7');
    assert.equal(warning?.data.day, '2026-03-01');
  });

  it('does not warn about signing keys with no rotation scheduled', async () => {
    const h = harness({ signing: { currentKid: 'kid-1', nextRotationAt: null } });
    await expiryWatch(h.deps, jobContext(NOW));
    assert.deepEqual(h.warnings(), []);
    assert.deepEqual(h.messages, []);
  });
});

describe('expiry watch: what on-call and the audit trail get', () => {
  it('sends one summary message for all keys, and one audit event per key with the job as actor', async () => {
    const h = harness({
      keys: [
        { keyId: 'k1', ownerId: 'u1', expiresAt: at(2 * DAY) },
        { keyId: 'k2', ownerId: 'u2', expiresAt: at(10 * DAY) },
      ],
      signing: { currentKid: 'kid-old', nextRotationAt: at(-10 * DAY) },
    });

    await expiryWatch(h.deps, jobContext(NOW, 'evt-42'));

    assert.equal(h.messages.length, 1);
    const [message] = h.messages;
    assert.match(message?.subject ?? '', /^Nimbus test: 3 key\(s\)/);
    for (const id of ['k1', 'k2', 'kid-old']) assert.ok(message?.body.includes(id), id);
    assert.deepEqual(
      h.warnings().map((e) => [e.subject, e.actor, e.correlationId, e.data.kind]),
      [
        ['apikey:k1', 'job:expiry-watch', 'evt-42', 'api-key'],
        ['apikey:k2', 'job:expiry-watch', 'evt-42', 'api-key'],
        ['signing-keys', 'job:expiry-watch', 'evt-42', 'signing-key'],
      ],
    );
  });

  it('sends nothing when nothing is expiring, and still records the run', async () => {
    const h = harness({ keys: [{ keyId: 'far', ownerId: 'u1', expiresAt: at(90 * DAY) }] });

    await expiryWatch(h.deps, jobContext(NOW));

    assert.deepEqual(h.messages, []);
    assert.deepEqual(h.metrics.of('KeysExpiringSoon'), [0]);
    const [run] = await h.events.list('job:expiry-watch');
    assert.equal(run?.type, 'job.run');
    assert.equal(run?.data.outcome, 'succeeded');
  });
});

describe('expiry watch: idempotent per day', () => {
  it('does not warn again about the same keys later the same UTC day', async () => {
    const h = harness({ keys: [{ keyId: 'k1', ownerId: 'u1', expiresAt: at(5 * DAY) }] });

    await expiryWatch(h.deps, jobContext(NOW, 'first'));
    await expiryWatch(h.deps, jobContext('2026-03-01T23:59:00.000Z', 'second'));

    assert.equal(h.messages.length, 1);
    assert.equal(h.warnings().length, 1);
    assert.deepEqual(h.metrics.of('KeysExpiringSoon'), [1, 1], 'the metric reports every run');
  });

  it('warns again the next day, and only about the keys not yet warned about today', async () => {
    const h = harness({ keys: [{ keyId: 'k1', ownerId: 'u1', expiresAt: at(5 * DAY) }] });
    await expiryWatch(h.deps, jobContext(NOW));
    await expiryWatch(h.deps, jobContext(at(DAY)));
    assert.equal(h.messages.length, 2);
    assert.deepEqual(
      h.warnings().map((e) => e.data.day),
      ['2026-03-01', '2026-03-02'],
    );
  });

  it('records nothing when the message could not be sent, so the next run sends it', async () => {
    let fail = true;
    const sent: string[] = [];
    const h = harness({
      keys: [{ keyId: 'k1', ownerId: 'u1', expiresAt: at(5 * DAY) }],
      publish: async (subject) => {
        if (fail) throw new Error('SNS down');
        sent.push(subject);
      },
    });

    await assert.rejects(expiryWatch(h.deps, jobContext(NOW)), JobFailedError);
    assert.deepEqual(h.warnings(), []);
    assert.deepEqual(h.metrics.of('JobFailures'), [1]);
    fail = false;
    await expiryWatch(h.deps, jobContext(at(60_000)));

    assert.equal(sent.length, 1);
    assert.equal(h.warnings().length, 1);
  });
});

describe('expiry watch: failures', () => {
  it('still warns about API keys when the signing-key status fails, then fails the run', async () => {
    const h = harness({ keys: [{ keyId: 'k1', ownerId: 'u1', expiresAt: at(DAY) }] });
    const deps: ExpiryWatchDeps = {
      ...h.deps,
      signingKeys: {
        status: async () => {
          throw new Error('secret unreadable');
        },
      },
    };

    await assert.rejects(expiryWatch(deps, jobContext(NOW)), (error: unknown) => {
      assert.ok(error instanceof JobFailedError);
      assert.deepEqual(error.failedSteps, ['signing-keys']);
      return true;
    });
    assert.equal(h.messages.length, 1);
    assert.deepEqual(
      h.warnings().map((e) => e.subject),
      ['apikey:k1'],
    );
    const [run] = await h.events.list('job:expiry-watch');
    assert.equal(run?.data.outcome, 'failed');
    assert.deepEqual(run?.data.failedSteps, ['signing-keys']);
  });
});
