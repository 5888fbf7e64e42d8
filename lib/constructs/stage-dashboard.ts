import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, Metric, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { SloSettings } from '../../functions/shared/config/slo.ts';
import { SLI_METRICS } from '../../functions/shared/observability.ts';
import { deploymentResourceNames, gdprResourceNames } from '../config/names.ts';

const minute = Duration.minutes(1);

/** The stage's metrics by name and dimensions: Nimbus's own (EMF), the API's, the health canary's. */
export function stageMetrics(stage: string) {
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
  const canary = (statistic: string) =>
    nimbus(
      'HealthCanarySuccess',
      { service: 'monitoring', job: 'health-canary' },
      statistic,
      Duration.minutes(5),
    );
  return { apiName, nimbus, gateway, canary };
}

export interface StageDashboardProps {
  readonly stage: string;
  readonly slo: SloSettings;
}

/**
 * The stage's CloudWatch dashboard (`nimbus-<stage>`): requests and errors, latency overall and per
 * route, the route classes against their SLOs, Lambda health, limiter and cache fallbacks, the GDPR
 * queues, erasures overdue, key expiry, the health canary, deployment outcomes and the event queues. SEARCH reaches every function of the
 * stage without naming one.
 */
export class StageDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: StageDashboardProps) {
    super(scope, id);
    const { stage } = props;
    const { apiName, nimbus, gateway, canary: canaryMetric } = stageMetrics(stage);
    const search = (expression: string, label: string, period = minute) =>
      new MathExpression({ expression, label, period });
    const lambdaSearch = (metricName: string, statistic: string) =>
      search(
        // Route functions are named `nimbus-<stage>-<route>`, the others by CloudFormation
        // `Nimbus-<stage>-<stack>-…`: both spellings, whatever the search's case rules.
        `SEARCH('{AWS/Lambda,FunctionName} MetricName="${metricName}" (Nimbus-${stage}- OR nimbus-${stage}-)', '${statistic}', 60)`,
        metricName,
      );
    const names = gdprResourceNames(stage);
    const deployNames = deploymentResourceNames(stage);
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
    this.dashboard = new Dashboard(this, 'Resource', { dashboardName: `nimbus-${stage}` });
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
          { value: props.slo.gateway.p95Ms, label: 'gateway SLO' },
          { value: props.slo.api.p95Ms, label: 'api SLO' },
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
      new GraphWidget({
        title: 'Deployments: outcomes, saga duration p95',
        left: [
          nimbus('DeploymentsSucceeded', { service: 'nimbus-deployments' }, 'Sum', Duration.minutes(5)),
          nimbus('DeploymentsFailed', { service: 'nimbus-deployments' }, 'Sum', Duration.minutes(5)),
          nimbus('DeploymentsCancelled', { service: 'nimbus-deployments' }, 'Sum', Duration.minutes(5)),
        ],
        right: [
          search(
            `SEARCH('{AWS/States,StateMachineArn} MetricName="ExecutionTime" ${deployNames.stateMachine}', 'p95', 300)`,
            'saga p95 (ms)',
            Duration.minutes(5),
          ),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Queues: deployment events, DLQ',
        left: [queueDepth(deployNames.eventQueue), queueDepth(deployNames.eventDeadLetters)],
        width: 12,
      }),
    );
  }
}
