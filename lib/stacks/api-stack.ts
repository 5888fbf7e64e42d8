import { CfnOutput, CustomResource, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { RequestAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { authEnvironment } from '../../functions/auth/config.ts';
import { routes } from '../../functions/routes.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import { rateLimitEnvironment } from '../../functions/shared/config/rate-limits.ts';
import { redisEnvironment } from '../../functions/shared/config/redis.ts';
import type { ResourceNeed, RouteDef } from '../../functions/shared/http/route.ts';
import type { StageConfig } from '../config/stages.ts';
import { ApiAlarms } from '../constructs/api-alarms.ts';
import { FeatureFunction } from '../constructs/feature-function.ts';
import { RouteApi } from '../constructs/route-api.ts';
import { SigningKeyRotation } from '../constructs/signing-key-rotation.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** The stateless API: REST API, one function per route, the authorizer, alarms. */
export class ApiStack extends Stack {
  public readonly routeApi: RouteApi;
  public readonly authorizerFunction: FeatureFunction;
  public readonly signingKeyRotation: SigningKeyRotation;
  public readonly alarms: ApiAlarms;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const { appTable, eventsTable, appTableIndexes } = stateful;

    // Each `needs` entry of the route table becomes exactly one binding: env var + narrowest grant.
    // The variables' names and formats come from the modules the functions read them with.
    const setEnvironment = (fn: FeatureFunction, environment: Record<string, string>) => {
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    };
    const bindRedis = (fn: FeatureFunction) => {
      setEnvironment(fn, redisEnvironment(config.redis));
      fn.bindSecret(stateful.upstashSecret, BINDING_ENV.upstashTokenSecret);
      setEnvironment(fn, rateLimitEnvironment({ overrides: config.rateLimits }));
    };
    const appendEvents = (fn: FeatureFunction) =>
      fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'append');

    // Before the routes: the rotate route's binding grants starting a rotation of this function.
    this.signingKeyRotation = new SigningKeyRotation(this, 'SigningKeyRotation', {
      config,
      secret: stateful.signingKeysSecret,
      bindAuditAndCache: (fn) => {
        appendEvents(fn);
        bindRedis(fn);
      },
    });
    const rotation = this.signingKeyRotation;

    const bindings: Record<ResourceNeed, (fn: FeatureFunction) => void> = {
      'app:read': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'read', appTableIndexes),
      'app:readWrite': (fn) => fn.bindTable(appTable, BINDING_ENV.appTable, 'readWrite', appTableIndexes),
      'events:append': appendEvents,
      'events:read': (fn) => fn.bindTable(eventsTable, BINDING_ENV.eventsTable, 'read'),
      redis: bindRedis,
      // Readers also learn how the keys rotate (the status route reports it).
      'signingKeys:read': (fn) => {
        fn.bindSecret(stateful.signingKeysSecret, BINDING_ENV.signingKeysSecret);
        setEnvironment(fn, rotation.environment);
      },
      'signingKeys:rotate': (fn) => rotation.bindRotator(fn, { startRotation: true }),
      'dataKey:read': (fn) => fn.bindSecret(stateful.dataKeySecret, BINDING_ENV.dataKeySecret),
      auth: (fn) => setEnvironment(fn, authEnvironment(config.auth)),
    };
    const bind = (fn: FeatureFunction, needs: readonly ResourceNeed[]) => {
      for (const need of new Set(needs)) bindings[need](fn);
    };

    // The first deploy puts a real ES256 key set in the signing-key secret (placeholder before).
    const keySetInit = new FeatureFunction(this, 'SigningKeysInit', {
      entry: 'functions/auth/handlers/signing-keys-init.ts',
      feature: 'auth',
      config,
      description: 'Custom resource: ensures the JWT signing key set exists',
      timeout: Duration.seconds(30),
    });
    keySetInit.bindSecret(stateful.signingKeysSecret, BINDING_ENV.signingKeysSecret, 'readWrite');
    const keySet = new CustomResource(this, 'SigningKeySet', {
      serviceToken: keySetInit.functionArn,
      resourceType: 'Custom::NimbusSigningKeySet',
    });

    this.authorizerFunction = new FeatureFunction(this, 'Authorizer', {
      entry: 'functions/authorizer/handlers/authorizer.ts',
      feature: 'auth',
      config,
      description: 'REQUEST authorizer: Bearer JWT or x-api-key',
    });
    // Redis: the verdict cache whose user versions carry revocations, and the signing-keys tag.
    bind(this.authorizerFunction, ['app:readWrite', 'signingKeys:read', 'auth', 'redis']);
    // No identity sources: either header may carry the credential, and API Gateway would refuse
    // a request missing any listed source before calling us. So gateway-side caching is off and
    // the authorizer caches verified tokens, sessions and keys itself (see the auth config).
    const authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: this.authorizerFunction,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
      authorizerName: `nimbus-${config.stage}-authorizer`,
    });

    this.routeApi = new RouteApi(this, 'Routes', {
      config,
      routes,
      authorizer,
      fallbackEntry: 'functions/platform/handlers/fallback.ts',
      bind: (fn: FeatureFunction, route: RouteDef) => {
        bind(fn, route.needs ?? []);
        // Only functions that rate-limit hash identifiers (Redis itself comes with the row's
        // `redis` need, which defineRoute requires of a limited route).
        if (route.rateLimit.length > 0)
          fn.bindSecret(stateful.rateLimitKeySecret, BINDING_ENV.rateLimitKeySecret);
      },
    });
    for (const fn of this.routeApi.functions.values()) fn.node.addDependency(keySet);
    // The schedule's first rotation must find the initialiser's key, not the placeholder.
    rotation.schedule?.node.addDependency(keySet);
    const { api } = this.routeApi;

    const monitored = new Map<string, IFunction>(this.routeApi.functions);
    monitored.set('auth.authorizer', this.authorizerFunction);
    monitored.set('auth.signingKeyRotation', rotation.function);
    this.alarms = new ApiAlarms(this, 'Alarms', { config, api, functions: monitored });

    new CfnOutput(this, 'ApiId', { value: api.restApiId });
    new CfnOutput(this, 'ApiStageName', { value: api.deploymentStage.stageName });
    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });

    const acknowledged: ReadonlyArray<{ id: string; reason: string }> = [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy API Gateway needs to write execution logs.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Public routes (health, version, openapi, jwks, login) are public by design; the others use the authorizer.',
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
    if (!config.features.apiExecutionLogs) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-APIG6',
        reason: `The ${config.stage} target has no API Gateway execution logs; access logs stay on.`,
      });
    }
  }
}
