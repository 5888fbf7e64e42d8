import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { jobs } from '../../functions/jobs/jobs.ts';
import { healthCanaryEnvironment } from '../../functions/monitoring/config.ts';
import { SLI_METRICS } from '../../functions/shared/observability.ts';
import { alarmNamePrefix, gdprResourceNames } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { Job } from '../constructs/job.ts';
import { SloAlarms } from '../constructs/slo-alarms.ts';

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly api: RestApi;
  /** The stage's alarm topic (API stack). */
  readonly alertTopic: ITopic;
}

const minute = Duration.minutes(1);

/**
 * What on-call looks at and hears from, deployed last: the stage's dashboard, the SLO and
 * burn-rate alarms per route class, the seeds' operational alarms, and the health canary. It reads
 * metrics by name and dimensions (Lambda's by SEARCH over the stage's stacks), so it holds no
 * reference to a function and can change without touching the stacks it watches. The runbook for
 * each alarm is in the README (Operations).
 */
export class ObservabilityStack extends Stack {
  public readonly dashboard: Dashboard;
  public readonly slo: SloAlarms;
  public readonly alarms: Alarm[] = [];
  public readonly healthCanary: Job;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, api } = props;
    const stage = config.stage;
    const action = new SnsAction(props.alertTopic);
    const apiName = `nimbus-${stage}`;
    const nimbus = (
      metricName: string,
      dimensionsMap: Record<string, string>,
      statistic = 'Sum',
      period = minute,
    ) =>
      new Metric({
        namespace: 'Nimbus',
        metricName,
        dimensionsMap: { stage, ...dimensionsMap },
        statistic,
        period,
      });
    const gateway = (metricName: string, statistic: string, period = minute) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: apiName },
        statistic,
        period,
      });
    type AlarmOptions = Omit<ConstructorParameters<typeof Alarm>[2], 'evaluationPeriods'> & {
      readonly evaluationPeriods?: number;
    };
    const alarm = (alarmId: string, name: string, options: AlarmOptions) => {
      const created = new Alarm(this, alarmId, {
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...options,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        alarmName: `${alarmNamePrefix(stage)}${name}`,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    // The canary calls the API as a client does, through its public URL.
    const template = config.api.publicUrlTemplate;
    const apiUrl =
      template === undefined
        ? api.url
        : template.replace('{apiId}', api.restApiId).replace('{stage}', api.deploymentStage.stageName);
    const canary = jobs.find((job) => job.name === 'healthCanary' && job.stack === 'Observability');
    if (canary === undefined) throw new Error('the job table has no healthCanary job for this stack');
    this.healthCanary = new Job(this, 'HealthCanary', {
      config,
      entry: canary.handler,
      feature: 'monitoring',
      description: canary.description,
      schedule: config.jobs.schedules.healthCanary,
      needs: canary.needs,
      bind: (fn) => {
        for (const [name, value] of Object.entries(healthCanaryEnvironment(apiUrl)))
          fn.addEnvironment(name, value);
      },
    });
    const canaryMetric = (statistic: string) =>
      nimbus(
        'HealthCanarySuccess',
        { service: 'monitoring', job: 'health-canary' },
        statistic,
        Duration.minutes(5),
      );

    this.slo = new SloAlarms(this, 'Slo', {
      stage,
      slo: config.slo,
      action,
      compositeAlarms: config.features.compositeAlarms,
    });

    // HighErrorRate per route class, from the share of 5xx (a plain mean: no metric math, which
    // the emulator refuses in alarms).
    for (const routeClass of ['gateway', 'api'] as const) {
      alarm(`${routeClass === 'api' ? 'Api' : 'Gateway'}ErrorRate`, `${routeClass}-error-rate`, {
        alarmDescription: `HighErrorRate: over 10 % of the ${routeClass} routes' responses are 5xx (5 min)`,
        metric: nimbus(
          SLI_METRICS.serverError,
          { service: SLI_METRICS.service, routeClass },
          'Average',
          Duration.minutes(5),
        ),
        threshold: 0.1,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    alarm('ApiLatencyOver5s', 'api-latency-p95-5s', {
      alarmDescription: 'p95 latency of the API over 5 s (5 min)',
      metric: gateway('Latency', 'p95', Duration.minutes(5)),
      threshold: 5000,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm('LambdaThrottles', 'lambda-throttles', {
      alarmDescription: 'Lambda throttled invocations in the account and region',
      metric: new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Throttles',
        statistic: 'Sum',
        period: minute,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm('HealthCanaryFailing', 'health-canary', {
      alarmDescription: 'ServiceDown: no successful health canary in 5 minutes (a failure, or no run at all)',
      metric: canaryMetric('Minimum'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    alarm('KeysExpiring', 'keys-expiring', {
      alarmDescription: 'API keys expire within the warning window (expiry watch)',
      metric: nimbus(
        'KeysExpiringSoon',
        { service: 'jobs', job: 'expiry-watch' },
        'Maximum',
        Duration.hours(1),
      ),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    // The dashboard: SEARCH reaches every function of the stage without naming one.
    const search = (expression: string, label: string, period = minute) =>
      new MathExpression({ expression, label, period });
    const lambdaSearch = (metricName: string, statistic: string) =>
      search(
        `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metricName}" Nimbus-${stage}-', '${statistic}', 60)`,
        metricName,
      );
    const names = gdprResourceNames(stage);
    const queueDepth = (queueName: string) =>
      new Metric({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensionsMap: { QueueName: queueName },
        statistic: 'Maximum',
        period: minute,
        label: queueName,
      });
    const sli = (routeClass: string, statistic: string) =>
      nimbus(
        SLI_METRICS.latency,
        { service: SLI_METRICS.service, routeClass },
        statistic,
        Duration.minutes(5),
      );
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `nimbus-${stage}` });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Nimbus ${stage}\nAlarms and what to do: README, Operations. Per-route percentiles over any window: \`GET /v1/monitoring/metrics\`.`,
        width: 24,
        height: 2,
      }),
      new GraphWidget({
        title: 'API requests and errors',
        left: [gateway('Count', 'Sum'), gateway('4XXError', 'Sum'), gateway('5XXError', 'Sum')],
        width: 12,
      }),
      new GraphWidget({
        title: 'API latency p50 / p95 / p99',
        left: [gateway('Latency', 'p50'), gateway('Latency', 'p95'), gateway('Latency', 'p99')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Latency p95 per route',
        left: [
          search(
            `SEARCH('{AWS/ApiGateway,ApiName,Method,Resource,Stage} MetricName="Latency" ApiName="${apiName}"', 'p95', 300)`,
            'p95',
            Duration.minutes(5),
          ),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Route classes: p95 against the SLO',
        left: [sli('gateway', 'p95'), sli('api', 'p95')],
        leftAnnotations: [
          { value: config.slo.gateway.p95Ms, label: 'gateway SLO' },
          { value: config.slo.api.p95Ms, label: 'api SLO' },
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Lambda errors, throttles, duration',
        left: [lambdaSearch('Errors', 'Sum'), lambdaSearch('Throttles', 'Sum')],
        right: [lambdaSearch('Duration', 'p95')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Cold starts',
        left: [
          search(
            `SEARCH('{Nimbus,function_name,service,stage} MetricName="ColdStart" stage="${stage}"', 'Sum', 60)`,
            'cold starts',
          ),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Rate-limit fallbacks and cache (Redis unavailable, stale served)',
        left: [
          search(
            `SEARCH('{Nimbus,service,stage} MetricName=~"RateLimitFallback_" stage="${stage}"', 'Sum', 60)`,
            'limiter fallbacks',
          ),
          search(
            `SEARCH('{Nimbus,service,stage} MetricName="CacheL2Unavailable" stage="${stage}"', 'Sum', 60)`,
            'L2 unavailable',
          ),
          search(
            `SEARCH('{Nimbus,service,stage} MetricName="CacheStaleServed" stage="${stage}"', 'Sum', 60)`,
            'stale served',
          ),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Queues: GDPR exports, DLQ, erasure failures',
        left: [
          queueDepth(names.exportQueue),
          queueDepth(names.exportDeadLetters),
          queueDepth(names.erasureFailures),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Erasures overdue, keys expiring, days to key expiry',
        left: [
          nimbus(
            'ErasuresOverdue',
            { service: 'jobs', job: 'retention-cleanup' },
            'Maximum',
            Duration.hours(1),
          ),
          nimbus('KeysExpiringSoon', { service: 'jobs', job: 'expiry-watch' }, 'Maximum', Duration.hours(1)),
        ],
        right: [
          nimbus('DaysToKeyExpiry', { service: 'jobs', job: 'expiry-watch' }, 'Minimum', Duration.hours(1)),
        ],
        width: 12,
      }),
      new GraphWidget({ title: 'Health canary', left: [canaryMetric('Minimum')], width: 12 }),
    );

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
    });
  }
}
