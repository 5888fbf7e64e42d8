import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AUTHORIZER_FAILURE_METRIC } from '../../functions/shared/observability.ts';
import type { StageConfig } from '../config/stages.ts';
import { stageMetrics } from './stage-dashboard.ts';

export interface ApiAlarmsProps {
  readonly config: StageConfig;
}

/**
 * The stage's alarm topic, and the alarms that go to it: on the API (5xx, p99 latency,
 * `monitorApi`) and on each function's errors (`monitorFunction`). Made first in the stack so
 * that whatever publishes to the topic (the expiry watch, bound by its `alerts:publish` need)
 * finds it; what is monitored registers once it exists.
 */
export class ApiAlarms extends Construct {
  /** Subscribe on-call (email, chat, pager) here. */
  public readonly topic: Topic;
  public readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private serverErrors: Alarm | undefined;
  private readonly alarmsConfig: StageConfig['alarms'];

  constructor(scope: Construct, id: string, props: ApiAlarmsProps) {
    super(scope, id);
    const { config } = props;
    this.topic = new Topic(this, 'Topic', {
      displayName: `Nimbus ${config.stage} alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    // On-call from the deploy's context (`-c alarmEmails=... -c alarmWebhooks=...`).
    for (const email of config.alarms.subscriptions.emails)
      this.topic.addSubscription(new EmailSubscription(email));
    for (const url of config.alarms.subscriptions.webhooks)
      this.topic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
    this.action = new SnsAction(this.topic);
    this.alarmsConfig = config.alarms;
  }

  /** 5xx answers and p99 latency of the API, at the stage's thresholds. */
  monitorApi(api: RestApi): void {
    const config = { alarms: this.alarmsConfig };
    this.serverErrors = this.add(
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'The API answers 5xx',
        metric: api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: config.alarms.api5xxPerMinute,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    this.add(
      new Alarm(this, 'ApiLatencyP99', {
        alarmDescription: 'API p99 latency above the stage budget',
        metric: api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
        threshold: config.alarms.p99LatencyMs,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /**
   * Alarms on a function's errors (for functions made after the alarms too). A scheduled job runs
   * too rarely to fail several times a minute: it passes `threshold: 1, evaluationPeriods: 1`.
   * @param options.threshold errors per minute @default config.alarms.lambdaErrorsPerMinute
   * @param options.evaluationPeriods consecutive minutes at or above it @default 3
   */
  monitorFunction(
    name: string,
    fn: LambdaFunction,
    options: { readonly threshold?: number; readonly evaluationPeriods?: number } = {},
  ): Alarm {
    // Beside the function (in its stack, nested or not), so a stack's resources grow with its own functions.
    const alarm = new Alarm(fn, `Errors${name.replace(/[^A-Za-z0-9]/g, '')}`, {
      alarmDescription: `${name}: function errors`,
      metric: fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: options.threshold ?? this.alarmsConfig.lambdaErrorsPerMinute,
      evaluationPeriods: options.evaluationPeriods ?? 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(alarm);
    return alarm;
  }

  /**
   * The authorizer's failures (`AuthorizerFailures`, which it counts itself): not its Lambda
   * `Errors`, since API Gateway needs a thrown `Unauthorized` for every 401 and a flood of bad
   * tokens is not an outage. At the stage's function-error threshold for 3 minutes; a crash or a
   * time-out shows as the API's 5xx.
   */
  monitorAuthorizer(fn: LambdaFunction, stage: string): Alarm {
    const { nimbus } = stageMetrics(stage);
    const alarm = new Alarm(fn, 'Failures', {
      alarmDescription:
        'auth.authorizer: failures other than refused credentials (a failing dependency, a bug)',
      metric: nimbus(AUTHORIZER_FAILURE_METRIC.name, { service: AUTHORIZER_FAILURE_METRIC.service }),
      threshold: this.alarmsConfig.lambdaErrorsPerMinute,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return this.add(alarm);
  }

  /** The API's 5xx alarm (`monitorApi`), which also rolls back a gradual release. */
  api5xx(): Alarm {
    if (this.serverErrors === undefined) throw new Error('api5xx() before monitorApi()');
    return this.serverErrors;
  }

  private add(alarm: Alarm): Alarm {
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
