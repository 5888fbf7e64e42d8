import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  ComparisonOperator,
  CompositeAlarm,
  type IAlarmAction,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { SloSettings, SloTarget } from '../../functions/shared/config/slo.ts';
import { SLI_METRICS } from '../../functions/shared/observability.ts';
import { alarmNamePrefix } from '../config/names.ts';

/** The two multi-window burn-rate alarms of the SRE workbook: budget burn factor, long and short window. */
export const BURN_RATE_WINDOWS = [
  { name: 'Fast', factor: 14.4, long: Duration.hours(1), short: Duration.minutes(5) },
  { name: 'Slow', factor: 6, long: Duration.hours(6), short: Duration.minutes(30) },
] as const;

export interface SloAlarmsProps {
  readonly stage: string;
  readonly slo: SloSettings;
  readonly action: IAlarmAction;
  /** AND the two windows of a burn rate into one composite alarm (targets that support them). */
  readonly compositeAlarms: boolean;
}

/**
 * Per route class (`gateway`, `api`): p95 latency against the class SLO, and multi-window burn-rate
 * alarms for availability (share of 5xx, from `ServerError`) and latency (share of requests over
 * the SLO, from `RequestLatency`'s percentile rank), fast (14.4× over 1 h and 5 min) and slow
 * (6× over 6 h and 30 min). A burn rate of 1 spends the error budget exactly over the SLO period;
 * each window is its own alarm, and where the target supports it a composite alarm pages only when
 * both windows burn (the long one proves it matters, the short one that it is still going on).
 */
export class SloAlarms extends Construct {
  public readonly alarms: Alarm[] = [];
  public readonly composites: CompositeAlarm[] = [];

  constructor(scope: Construct, id: string, props: SloAlarmsProps) {
    super(scope, id);
    for (const routeClass of ['gateway', 'api'] as const) {
      const target = props.slo[routeClass];
      const metric = (name: string, period: Duration, statistic: string) =>
        new Metric({
          namespace: 'Nimbus',
          metricName: name,
          dimensionsMap: { service: SLI_METRICS.service, stage: props.stage, routeClass },
          period,
          statistic,
        });
      const alarm = (alarmId: string, options: ConstructorParameters<typeof Alarm>[2]) => {
        const created = new Alarm(this, alarmId, {
          treatMissingData: TreatMissingData.NOT_BREACHING,
          ...options,
          alarmName: `${alarmNamePrefix(props.stage)}${options.alarmName}`,
        });
        created.addAlarmAction(props.action);
        this.alarms.push(created);
        return created;
      };
      const Class = routeClass === 'api' ? 'Api' : 'Gateway';

      alarm(`${Class}LatencyP95`, {
        alarmName: `${routeClass}-latency-p95`,
        alarmDescription: `p95 latency of the ${routeClass} routes over their SLO (${target.p95Ms} ms)`,
        metric: metric(SLI_METRICS.latency, Duration.minutes(5), 'p95'),
        threshold: target.p95Ms,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });

      // Plain statistics, no metric math (the emulator refuses metric-math alarms): the mean of a
      // 0/1 series is the share of 5xx; PR(:t) is the percentage of requests at or under t ms, so
      // "the slow share burns faster than f × budget" is "PR(:t) below 100 × (1 − f × budget)".
      const burn = (sli: 'availability' | 'latency', window: Duration) =>
        sli === 'availability'
          ? metric(SLI_METRICS.serverError, window, 'Average')
          : metric(SLI_METRICS.latency, window, `PR(:${target.p95Ms})`);
      for (const sli of ['availability', 'latency'] as const) {
        const budget = budgetOf(sli, target);
        for (const w of BURN_RATE_WINDOWS) {
          const windows = (['long', 'short'] as const).map((which) =>
            alarm(
              `${Class}${sli === 'availability' ? 'Availability' : 'Latency'}Burn${w.name}${which === 'long' ? 'Long' : 'Short'}`,
              {
                alarmName: `${routeClass}-${sli}-burn-${w.name.toLowerCase()}-${which}`,
                alarmDescription: `${routeClass} ${sli} error budget burning ${w.factor}× over ${w[which].toHumanString()}`,
                metric: burn(sli, w[which]),
                ...burnThreshold(sli, w.factor * budget),
                evaluationPeriods: 1,
              },
            ),
          );
          if (props.compositeAlarms) {
            const composite = new CompositeAlarm(this, `${Class}${sli}${w.name}Burn`, {
              compositeAlarmName: `${alarmNamePrefix(props.stage)}${routeClass}-${sli}-burn-${w.name.toLowerCase()}`,
              alarmDescription: `${routeClass} ${sli}: ${w.name.toLowerCase()} burn on both windows`,
              alarmRule: AlarmRule.allOf(...windows.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM))),
            });
            composite.addAlarmAction(props.action);
            this.composites.push(composite);
          }
        }
      }
    }
  }
}

/** The alarm threshold for a burn of `share` (the share of requests failing the SLI). */
export function burnThreshold(sli: 'availability' | 'latency', share: number) {
  return sli === 'availability'
    ? { threshold: share, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD }
    : { threshold: 100 * (1 - share), comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD };
}

/** The error budget of one SLI: the share of requests allowed to fail it. */
export function budgetOf(sli: 'availability' | 'latency', target: SloTarget): number {
  // The latency objective is a p95: 5 % of requests may be slower.
  return sli === 'availability' ? 1 - target.availability : 0.05;
}
