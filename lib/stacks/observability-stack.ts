import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { jobs } from '../../functions/jobs/jobs.ts';
import { healthCanaryEnvironment } from '../../functions/monitoring/config.ts';
import { REDIS_FALLBACK_METRIC, SLI_METRICS } from '../../functions/shared/observability.ts';
import { alarmNamePrefix } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { Job } from '../constructs/job.ts';
import { publicApiUrl } from '../constructs/route-api.ts';
import { SloAlarms } from '../constructs/slo-alarms.ts';
import { StageDashboard, stageMetrics } from '../constructs/stage-dashboard.ts';

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
    const { nimbus, gateway, canary: canaryMetric } = stageMetrics(stage);
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
    const apiUrl = publicApiUrl(config, api);
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

    // The limiter and the cache keep serving without Redis (in-memory limits, L1 and loaders): a
    // fallback is not an outage, but three minutes of it is worth a look before it becomes one.
    alarm('RedisFallbackActive', 'redis-fallback', {
      alarmDescription: 'The rate limiter or the cache has been running without Redis for 3 minutes',
      metric: nimbus(REDIS_FALLBACK_METRIC.name, { service: REDIS_FALLBACK_METRIC.service }, 'Sum', minute),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });

    this.dashboard = new StageDashboard(this, 'Dashboard', { stage, slo: config.slo }).dashboard;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
    });
  }
}
