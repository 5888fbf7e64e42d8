/** A CloudWatch alarm as the alerts route shows it (metric or composite). */
export interface ActiveAlarm {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly state: string;
  readonly description: string | null;
  readonly reason: string | null;
  /** ISO 8601; null when CloudWatch gave none. */
  readonly since: string | null;
  /** `namespace/metric` of a metric alarm; null for a composite one. */
  readonly metric: string | null;
}

/**
 * The stage's alarms in ALARM state, newest first. The query already asks for both, but the
 * filter is applied again here: an emulator (or a wider grant elsewhere) may return more, and no
 * other stage's alarm may appear in this stage's answer.
 */
export function stageAlarmsInAlarm(alarms: readonly ActiveAlarm[], namePrefix: string): ActiveAlarm[] {
  if (namePrefix === '') throw new Error('an empty prefix would list every alarm of the account');
  return alarms
    .filter((alarm) => alarm.state === 'ALARM' && alarm.name.startsWith(namePrefix))
    .sort((a, b) => (b.since ?? '').localeCompare(a.since ?? '') || a.name.localeCompare(b.name));
}
