import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  type IAuthorizer,
  type IResource,
  type IRestApi,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { restApiName } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { FeatureFunction } from './feature-function.ts';
import { addProblemGatewayResponses } from './gateway-responses.ts';

export interface RouteApiProps {
  readonly config: StageConfig;
  /** The route table. */
  readonly routes: readonly RouteDef[];
  /**
   * Authorizer of each route with `auth: 'principal'`: one for all, or chosen by row.
   * @default none (such routes are refused at synth)
   */
  readonly authorizer?: IAuthorizer | ((route: RouteDef) => IAuthorizer);
  /** Row of the function answering unknown paths (404) and methods (405); not in `routes`. */
  readonly fallback: RouteDef;
  /**
   * What a route's method invokes: the physical name of its function, which its feature's stack
   * holds (`RouteFunctions`, which also grants API Gateway the invoke), with `:<alias>` where the
   * stage releases through an alias.
   */
  readonly invokeTarget: (route: RouteDef) => string;
}

/**
 * The REST API built from the route table: one method per route invoking its function by name,
 * nested resources from the paths, a fallback for unknown paths and methods, CORS preflight,
 * access logs, tracing, stage throttling and problem+json gateway responses.
 */
export class RouteApi extends Construct {
  public readonly api: RestApi;
  public readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: RouteApiProps) {
    super(scope, id);
    const { config } = props;
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    const executionLogs = config.features.apiExecutionLogs;
    this.api = new RestApi(this, 'Api', {
      restApiName: restApiName(config.stage),
      description: `Nimbus API (${config.stage})`,
      cloudWatchRole: executionLogs,
      deployOptions: {
        stageName: config.stage,
        tracingEnabled: config.features.xray,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: config.api.throttleRateLimit,
        throttlingBurstLimit: config.api.throttleBurstLimit,
        metricsEnabled: true,
        ...(executionLogs ? { loggingLevel: MethodLoggingLevel.ERROR } : {}),
      },
      minCompressionSize: undefined,
    });
    addProblemGatewayResponses(this.api, config.api.corsOrigins[0] ?? '*');

    const fallback = new FeatureFunction(this, 'Fallback', {
      entry: props.fallback.handler,
      feature: 'platform',
      config,
      description: 'Unknown path (404) or method (405)',
      route: props.fallback,
    });
    // One invoke permission for the fallback on every path and method (not one per method), and
    // none for the console's test-invoke: each permission is a resource, and a stack holds 500.
    const fallbackIntegration = new LambdaIntegration(fallback, {
      allowTestInvoke: false,
      scopePermissionToMethod: false,
    });
    this.api.root.addMethod('ANY', fallbackIntegration);
    this.api.root.addResource('{proxy+}').addMethod('ANY', fallbackIntegration);

    const resources = new Set<IResource>();
    for (const route of props.routes) {
      const integration = this.integrationOf(route, props.invokeTarget(route));
      const resource = this.api.root.resourceForPath(route.path);
      resources.add(resource);
      const authorizer =
        route.auth !== 'principal' || props.authorizer === undefined
          ? undefined
          : typeof props.authorizer === 'function'
            ? props.authorizer(route)
            : props.authorizer;
      if (route.auth === 'principal' && authorizer === undefined) {
        throw new Error(`Route ${route.id} needs a principal but the API has no authorizer`);
      }
      resource.addMethod(route.method, integration, {
        operationName: route.id,
        ...(authorizer ? { authorizer } : {}),
      });
    }
    // API Gateway prefers an explicit method over ANY on the same resource, so ANY here only
    // catches the methods the route table does not declare: the fallback answers 405.
    for (const resource of resources) {
      if (resource !== this.api.root) resource.addMethod('ANY', fallbackIntegration);
    }
  }

  /**
   * The route's function, by name: its feature's stack is deployed after this one and grants the
   * invoke (it knows this API; this stack does not know it), so `sameEnvironment: false` keeps CDK
   * from adding a permission here too.
   */
  private integrationOf(route: RouteDef, target: string): LambdaIntegration {
    const functionArn = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: target,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const fn = LambdaFunction.fromFunctionAttributes(this, `${pascal(route.id)}Hosted`, {
      functionArn,
      sameEnvironment: false,
      skipPermissions: true,
    });
    return new LambdaIntegration(fn, { allowTestInvoke: false });
  }
}

/**
 * Where clients reach the API: the deployment stage's URL, or the stage's `publicUrlTemplate`
 * (the emulator serves APIs under its own host) with `{apiId}` and `{stage}` filled in. Ends with `/`
 * when it is the stage URL; the template's form is the stage config's.
 */
export function publicApiUrl(config: StageConfig, api: IRestApi): string {
  const template = config.api.publicUrlTemplate;
  return template === undefined
    ? api.deploymentStage.urlForPath('/')
    : template.replace('{apiId}', api.restApiId).replace('{stage}', api.deploymentStage.stageName);
}

/** A route function's description: its method, path and summary, within Lambda's 256 characters. */
export function routeDescription(route: RouteDef): string {
  return `${route.method} ${route.path}: ${route.summary}`.slice(0, 256);
}

export function pascal(id: string): string {
  return id
    .split(/[.\-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
