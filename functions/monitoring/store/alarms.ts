import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { cloudwatch } from '#shared/clients/cloudwatch.ts';
import type { ActiveAlarm } from '../domain/alarms.ts';

/** More pages than a stage has alarms in ALARM state at once: a bound, not a limit reached in use. */
const MAX_PAGES = 10;

const iso = (date: Date | undefined) => (date === undefined ? null : date.toISOString());

/** The alarms whose name starts with `namePrefix` and that are in ALARM state, metric and composite. */
export async function alarmsInAlarm(namePrefix: string): Promise<ActiveAlarm[]> {
  const found: ActiveAlarm[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: namePrefix,
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: 100,
        NextToken: nextToken,
      }),
    );
    for (const alarm of out.MetricAlarms ?? []) {
      found.push({
        name: alarm.AlarmName ?? '',
        kind: 'metric',
        state: alarm.StateValue ?? 'UNKNOWN',
        description: alarm.AlarmDescription ?? null,
        reason: alarm.StateReason ?? null,
        since: iso(alarm.StateUpdatedTimestamp),
        metric:
          alarm.Namespace === undefined || alarm.MetricName === undefined
            ? null
            : `${alarm.Namespace}/${alarm.MetricName}`,
      });
    }
    for (const alarm of out.CompositeAlarms ?? []) {
      found.push({
        name: alarm.AlarmName ?? '',
        kind: 'composite',
        state: alarm.StateValue ?? 'UNKNOWN',
        description: alarm.AlarmDescription ?? null,
        reason: alarm.StateReason ?? null,
        since: iso(alarm.StateUpdatedTimestamp),
        metric: null,
      });
    }
    nextToken = out.NextToken;
    if (nextToken === undefined || nextToken === '') break;
  }
  return found;
}
