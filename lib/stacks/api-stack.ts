import { CfnOutput, CustomResource, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type IAuthorizer, IdentitySource, RequestAuthorizer } from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import type { JobName } from '../../functions/jobs/config.ts';
import { jobs } from '../../functions/jobs/jobs.ts';
import { fallback } from '../../functions/platform/routes.ts';
import { routes } from '../../functions/routes.ts';
import { BINDING_ENV } from '../../functions/shared/config/bindings.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { isApiKeyPermission } from '../../functions/shared/rbac.ts';
import { routeInvokeTarget } from '../config/route-hosting.ts';
import type { StageConfig } from '../config/stages.ts';
import { ApiAlarms } from '../constructs/api-alarms.ts';
import { FeatureFunction } from '../constructs/feature-function.ts';
import { FunctionReleases, type ServedFunction } from '../constructs/function-releases.ts';
import { Job } from '../constructs/job.ts';
import { RouteApi } from '../constructs/route-api.ts';
import { SigningKeyRotation } from '../constructs/signing-key-rotation.ts';
import { needBinder } from './bindings.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/**
 * The stateless API: the REST API with every route's method (the route functions live in their
 * feature's stacks, `lib/config/route-hosting.ts`), the authorizer, the signing-key rotation, the
 * scheduled jobs of identity, the alarm topic and the API's alarms.
 */
export class ApiStack extends Stack {
  public readonly routeApi: RouteApi;
  public readonly authorizerFunction: FeatureFunction;
  /** What API Gateway invokes to authorize: the function, or its `live` alias on gradual stages. */
  public readonly authorizerRelease: ServedFunction;
  public readonly signingKeyRotation: SigningKeyRotation;
  public readonly alarms: ApiAlarms;
  /** The scheduled jobs (`functions/jobs/jobs.ts`), by name. */
  public readonly jobs: Map<JobName, Job>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;

    // The alarm topic first: the expiry watch publishes to it (its `alerts:publish` need).
    this.alarms = new ApiAlarms(this, 'Alarms', { config });
    // The rotation function is bound through the same needs (audit, cache), and the signing-key
    // needs of routes and jobs grant on it: the binder reaches it once it exists.
    let rotation: SigningKeyRotation | undefined;
    const bind = needBinder(config, stateful, {
      alertTopic: this.alarms.topic,
      signingKeyRotation: () => {
        if (rotation === undefined) throw new Error('signing-key rotation bound before it exists');
        return rotation;
      },
    });
    rotation = new SigningKeyRotation(this, 'SigningKeyRotation', {
      config,
      secret: stateful.signingKeysSecret,
      bindAuditAndCache: (fn) => bind(fn, ['events:append', 'redis']),
    });
    this.signingKeyRotation = rotation;

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
    // Gradual stages shift its `live` alias to new code, rolled back by the API's 5xx alarm (a
    // failing authorizer answers 500 to every request it guards), added once that alarm exists.
    this.authorizerRelease = new FunctionReleases(this, 'Releases', { config }).serve(
      this.authorizerFunction,
      [],
    );
    const authorizerHandler = this.authorizerRelease.live;
    // Routes an API key may pass: no identity sources, since either header may carry the
    // credential and API Gateway refuses a request missing any listed source before calling us.
    // So gateway-side caching is off there and the authorizer caches verified tokens, sessions
    // and keys itself (see the auth config).
    const anyCredential = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: authorizerHandler,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
      authorizerName: `nimbus-${config.stage}-authorizer`,
    });
    // Routes only a signed-in user can pass (no API key may hold their permission): the credential
    // is in `Authorization`, so API Gateway can cache the answer by it and skip the invocation.
    // The authenticator reads `Authorization` before `x-api-key`, so what is cached under a header
    // value always came from that value. A revocation takes up to the TTL longer (0004).
    const bearerOnly =
      config.api.authorizerCacheSeconds > 0
        ? new RequestAuthorizer(this, 'BearerAuthorizer', {
            handler: authorizerHandler,
            identitySources: [IdentitySource.header('Authorization')],
            resultsCacheTtl: Duration.seconds(config.api.authorizerCacheSeconds),
            authorizerName: `nimbus-${config.stage}-bearer-authorizer`,
          })
        : undefined;
    const authorizer = (route: RouteDef): IAuthorizer =>
      bearerOnly !== undefined && route.permission !== null && !isApiKeyPermission(route.permission)
        ? bearerOnly
        : anyCredential;

    this.routeApi = new RouteApi(this, 'Routes', {
      config,
      routes,
      authorizer,
      fallback,
      // Route functions live in their feature's stacks, deployed after this one: found by name.
      invokeTarget: (route) => routeInvokeTarget(config, route),
    });
    // The schedule's first rotation must find the initialiser's key, not the placeholder.
    rotation.schedule?.node.addDependency(keySet);
    const { api } = this.routeApi;

    this.alarms.monitorApi(api);
    this.authorizerRelease.group?.addAlarm(this.alarms.api5xx());
    // Route functions have no error alarm of their own: the pipeline turns every failure into a
    // problem+json response, so what fails shows as 5xx (the API's 5xx and error-rate alarms, the
    // SLO burn rates); a function that cannot start answers 502, a 5xx too. One alarm per route
    // would cost a resource each in a stack that holds at most 500 (0013).
    this.alarms.monitorAuthorizer(this.authorizerFunction, config.stage);
    // Rotations are rare (every `signingKeyRotationDays`): one failed step, such as a testSecret
    // that could not sign and verify, is worth a page.
    this.alarms.monitorFunction('auth.signingKeyRotation', rotation.function, {
      threshold: 1,
      evaluationPeriods: 1,
    });

    this.jobs = new Map();
    for (const def of jobs.filter((job) => job.stack === 'Api')) {
      const job = new Job(this, `Job${def.name.charAt(0).toUpperCase()}${def.name.slice(1)}`, {
        config,
        entry: def.handler,
        feature: 'jobs',
        description: def.description,
        schedule: config.jobs.schedules[def.name],
        needs: def.needs,
        bind,
      });
      // The rotation and the watch read the signing-key set the initialiser puts in place.
      job.node.addDependency(keySet);
      // A job runs once a day: one failed run is worth a page, not five a minute for three minutes.
      this.alarms.monitorFunction(`jobs.${def.id}`, job.function, { threshold: 1, evaluationPeriods: 1 });
      this.jobs.set(def.name, job);
    }

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
