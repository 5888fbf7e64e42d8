import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages.ts';

export interface ApiAlarmsProps {
  readonly config: StageConfig;
  readonly api: RestApi;
  /** Functions whose errors page someone. */
  readonly functions: ReadonlyMap<string, IFunction>;
}

/** Alarms on the API (5xx, p99 latency) and on every function's errors, all to one SNS topic. */
export class ApiAlarms extends Construct {
  /** Subscribe on-call (email, chat, pager) here. */
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ApiAlarmsProps) {
    super(scope, id);
    const { config, api } = props;
    this.topic = new Topic(this, 'Topic', {
      displayName: `Nimbus ${config.stage} alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    const action = new SnsAction(this.topic);
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    add(
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'The API answers 5xx',
        metric: api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: config.alarms.api5xxPerMinute,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    add(
      new Alarm(this, 'ApiLatencyP99', {
        alarmDescription: 'API p99 latency above the stage budget',
        metric: api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
        threshold: config.alarms.p99LatencyMs,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const [name, fn] of props.functions) {
      add(
        new Alarm(this, `Errors${name.replace(/[^A-Za-z0-9]/g, '')}`, {
          alarmDescription: `${name}: function errors`,
          metric: fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
          threshold: config.alarms.lambdaErrorsPerMinute,
          evaluationPeriods: 3,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
