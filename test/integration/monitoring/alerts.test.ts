import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { alarmNamePrefix } from '#lib/config/names.ts';
import { alarmsEnvironment } from '#shared/config/monitoring.ts';
import { authorizerContext, restEvent } from '../../support/apigw.ts';
import { invokeInFreshProcess } from '../../support/invoke.ts';

// The emulator's CloudWatch, reached as functions reach it (AWS_ENDPOINT_URL): alarms of this
// stage and of another, some forced into ALARM, and what the store and the route make of them.
const cloudwatch = new CloudWatchClient({});
const id = randomUUID().slice(0, 8);
const prefix = alarmNamePrefix(`it${id}`);
const firing = `${prefix}Api-Firing`;
const quiet = `${prefix}Api-Quiet`;
const otherStage = `${alarmNamePrefix(`it${id}x`)}Api-Firing`;

async function putAlarm(name: string, state: 'ALARM' | 'OK'): Promise<void> {
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      AlarmDescription: 'integration test alarm',
      Namespace: 'NimbusIT',
      MetricName: 'Nothing',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  await cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `forced ${state}` }),
  );
}

before(async () => {
  if (!process.env.AWS_ENDPOINT_URL)
    throw new Error('AWS_ENDPOINT_URL must be set (source /work/stack-env.sh)');
  await putAlarm(firing, 'ALARM');
  await putAlarm(quiet, 'OK');
  await putAlarm(otherStage, 'ALARM');
});

after(async () => {
  await cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [firing, quiet, otherStage] }));
});

describe('alarmsInAlarm (CloudWatch store) against the emulator', () => {
  it('returns the alarms in ALARM state under the prefix, with their reason and metric', async () => {
    const { alarmsInAlarm } = await import('#functions/monitoring/store/alarms.ts');

    const alarms = await alarmsInAlarm(prefix);

    assert.deepEqual(
      alarms.map((alarm) => alarm.name),
      [firing],
    );
    assert.equal(alarms[0]?.kind, 'metric');
    assert.equal(alarms[0]?.reason, 'forced ALARM');
    assert.equal(alarms[0]?.metric, 'NimbusIT/Nothing');
    assert.equal(alarms[0]?.description, 'integration test alarm');
  });
});

describe('GET /v1/monitoring/alerts (handler) against the emulator', () => {
  it("answers 200 with this stage's firing alarm only", async () => {
    const event = restEvent({
      path: '/v1/monitoring/alerts',
      resource: '/v1/monitoring/alerts',
      authorizer: authorizerContext({ id: 'it-monitor', permissions: ['monitoring:read'] }),
    });

    const res = await invokeInFreshProcess('functions/monitoring/handlers/alerts.ts', event, {
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      NIMBUS_RATE_LIMIT_ID_KEY: 'it-monitoring-alerts',
      ...alarmsEnvironment({ alarmNamePrefix: prefix }),
    });

    assert.equal(res.statusCode, 200, res.body);
    const body = JSON.parse(res.body) as { count: number; alarms: Array<{ name: string }> };
    assert.equal(body.count, 1);
    assert.deepEqual(
      body.alarms.map((alarm) => alarm.name),
      [firing],
    );
  });
});
