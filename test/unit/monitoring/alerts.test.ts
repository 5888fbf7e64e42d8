import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertTestDeps } from '#functions/monitoring/deps.ts';
import { type ActiveAlarm, stageAlarmsInAlarm } from '#functions/monitoring/domain/alarms.ts';
import { activeAlerts, sendTestAlert } from '#functions/monitoring/use-cases/alerts.ts';
import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { memoryEventStore } from '../../support/fakes.ts';

const alarm = (
  name: string,
  state = 'ALARM',
  since: string | null = '2026-12-01T10:00:00.000Z',
): ActiveAlarm => ({
  name,
  kind: 'metric',
  state,
  description: null,
  reason: null,
  since,
  metric: 'AWS/Lambda/Errors',
});

describe('stageAlarmsInAlarm (the alarm filter)', () => {
  it("keeps only this stage's alarms in ALARM state", () => {
    const listed = [
      alarm('Nimbus-prod-Api-AlarmsApi5xx-1'),
      alarm('Nimbus-staging-Api-AlarmsApi5xx-2'),
      alarm('Nimbus-prod-Gdpr-ErasureFailed-3', 'OK'),
      alarm('Nimbus-prod-Gdpr-ExportDlqNotEmpty-4', 'INSUFFICIENT_DATA'),
      alarm('someone-elses-alarm'),
      alarm('nimbus-prod-lowercase'),
    ];

    const kept = stageAlarmsInAlarm(listed, 'Nimbus-prod-');

    assert.deepEqual(
      kept.map((a) => a.name),
      ['Nimbus-prod-Api-AlarmsApi5xx-1'],
    );
  });

  it('orders the newest first, then by name, with undated alarms last', () => {
    const kept = stageAlarmsInAlarm(
      [
        alarm('Nimbus-dev-b', 'ALARM', '2026-12-01T09:00:00.000Z'),
        alarm('Nimbus-dev-c', 'ALARM', null),
        alarm('Nimbus-dev-a', 'ALARM', '2026-12-01T11:00:00.000Z'),
        alarm('Nimbus-dev-0', 'ALARM', '2026-12-01T09:00:00.000Z'),
      ],
      'Nimbus-dev-',
    );

    assert.deepEqual(
      kept.map((a) => a.name),
      ['Nimbus-dev-a', 'Nimbus-dev-0', 'Nimbus-dev-b', 'Nimbus-dev-c'],
    );
  });

  it('refuses an empty prefix, which would list every alarm of the account', () => {
    assert.throws(() => stageAlarmsInAlarm([alarm('x')], ''), /empty prefix/);
  });
});

describe('activeAlerts', () => {
  it('asks for the stage prefix and counts what the filter keeps', async () => {
    const asked: string[] = [];
    const result = await activeAlerts({
      alarmNamePrefix: 'Nimbus-local-',
      alarmsInAlarm: async (prefix) => {
        asked.push(prefix);
        return [
          alarm('Nimbus-local-Api-X'),
          alarm('Nimbus-localother-Api-Y'),
          alarm('Nimbus-local-Gdpr-Z', 'OK'),
        ];
      },
    });

    assert.deepEqual(asked, ['Nimbus-local-']);
    assert.equal(result.count, 1);
    assert.deepEqual(
      result.alarms.map((a) => a.name),
      ['Nimbus-local-Api-X'],
    );
  });

  it('is unavailable when CloudWatch does not answer', async () => {
    await assert.rejects(
      activeAlerts({
        alarmNamePrefix: 'Nimbus-local-',
        alarmsInAlarm: async () => {
          throw new Error('socket hang up');
        },
      }),
      DependencyUnavailableError,
    );
  });
});

describe('sendTestAlert', () => {
  function deps(publish: AlertTestDeps['publish']) {
    const events = memoryEventStore();
    const value: AlertTestDeps = {
      stage: 'staging',
      publish,
      events,
      now: () => new Date('2026-12-01T12:00:00.000Z'),
    };
    return { deps: value, events };
  }

  it('publishes a test message naming the stage and audits who sent it, with the message id', async () => {
    const sent: Array<{ subject: string; message: string }> = [];
    const { deps: d, events } = deps(async (subject, message) => {
      sent.push({ subject, message });
      return 'msg-123';
    });

    const result = await sendTestAlert(d, 'admin-1', 'corr-1');

    assert.deepEqual(result, { messageId: 'msg-123', sentAt: '2026-12-01T12:00:00.000Z' });
    assert.equal(sent.length, 1);
    assert.match(sent[0]?.subject ?? '', /staging/);
    assert.equal(JSON.parse(sent[0]?.message ?? '{}').kind, 'nimbus.test-alert');
    assert.equal(events.appended.length, 1);
    assert.equal(events.appended[0]?.type, 'monitoring.alertTested');
    assert.equal(events.appended[0]?.actor, 'admin-1');
    assert.equal(events.appended[0]?.correlationId, 'corr-1');
    assert.deepEqual(events.appended[0]?.data, { messageId: 'msg-123', stage: 'staging' });
  });

  it('is unavailable, and audits nothing, when the topic refuses the message', async () => {
    const { deps: d, events } = deps(async () => {
      throw new Error('AuthorizationError');
    });

    await assert.rejects(sendTestAlert(d, 'admin-1', 'corr-1'), DependencyUnavailableError);
    assert.equal(events.appended.length, 0);
  });
});
