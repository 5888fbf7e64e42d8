import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { routes } from '../../functions/routes.ts';
import type { ResourceNeed, RouteDef } from '../../functions/shared/http/route.ts';
import type { StageConfig } from '../config/stages.ts';
import type { FeatureFunction } from '../constructs/feature-function.ts';
import { RouteApi } from '../constructs/route-api.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** The stateless API: REST API, one function per route, alarms. */
export class ApiStack extends Stack {
  public readonly routeApi: RouteApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;

    const bindings: Record<ResourceNeed, (fn: FeatureFunction) => void> = {
      'app:read': (fn) => fn.bindTable(stateful.appTable, 'APP_TABLE_NAME', 'read'),
      'app:readWrite': (fn) => fn.bindTable(stateful.appTable, 'APP_TABLE_NAME', 'readWrite'),
      'events:append': (fn) => fn.bindTable(stateful.eventsTable, 'EVENTS_TABLE_NAME', 'readWrite'),
      redis: (fn) => {
        fn.addEnvironment('UPSTASH_REDIS_REST_URL', config.redis.restUrl);
        fn.addEnvironment('NIMBUS_HEALTH_TIMEOUT_MS', String(config.redis.healthTimeoutMs));
        fn.bindSecret(stateful.upstashSecret, 'UPSTASH_TOKEN_SECRET_ARN');
      },
      'signingKeys:read': () => {
        throw new Error('signing keys are not provisioned yet');
      },
    };

    this.routeApi = new RouteApi(this, 'Routes', {
      config,
      routes,
      fallbackEntry: 'functions/platform/handlers/fallback.ts',
      bind: (fn: FeatureFunction, route: RouteDef) => {
        for (const need of route.needs ?? []) bindings[need](fn);
      },
    });
    const { api } = this.routeApi;

    new Alarm(this, 'Api5xx', {
      alarmDescription: 'The API answers 5xx',
      metric: api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: config.alarms.api5xxPerMinute,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'ApiLatencyP99', {
      alarmDescription: 'API p99 latency above the stage budget',
      metric: api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      threshold: config.alarms.p99LatencyMs,
      evaluationPeriods: 3,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    new CfnOutput(this, 'ApiId', { value: api.restApiId });
    new CfnOutput(this, 'ApiStageName', { value: api.deploymentStage.stageName });
    new CfnOutput(this, 'ApiUrl', { value: api.url });

    const acknowledged: ReadonlyArray<{ id: string; reason: string }> = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Public routes (health, version, openapi, login) are public by design; the others use the authorizer.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Identity is Nimbus own (JWT + API keys via a Lambda authorizer), not Cognito.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Bodies and parameters are validated in the function by the zod schemas that also generate the OpenAPI.',
      },
    ];
    for (const ack of acknowledged) Validations.of(this).acknowledge(ack);
  }
}
