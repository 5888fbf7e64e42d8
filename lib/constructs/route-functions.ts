import { Duration } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IAlarm, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { restApiName, routeFunctionName } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { FeatureFunction } from './feature-function.ts';
import { FunctionReleases } from './function-releases.ts';
import { pascal, routeDescription } from './route-api.ts';

export interface RouteFunctionsProps {
  readonly config: StageConfig;
  /** The rows whose functions this stack holds; the API stack has their methods (`RouteApi`). */
  readonly routes: readonly RouteDef[];
  /** The REST API whose methods invoke them. */
  readonly api: IRestApi;
  /** Turns a route's `needs` into bindings on its function. */
  readonly bind: (fn: FeatureFunction, route: RouteDef) => void;
  /**
   * Stage-wide alarms that also roll back a gradual release of every function here (the API's
   * 5xx alarm); each route's own 5xx alarm always does. @default none
   */
  readonly rollbackAlarms?: readonly IAlarm[];
}

/**
 * Route functions, held by their feature's stack (`lib/config/route-hosting.ts`): built for their
 * row (bundle by row, needs as bindings), under the fixed name the API stack's method invokes
 * (`routeFunctionName`), each with one invoke permission for that API's stage methods. Where the
 * stage releases gradually (`functions.release`), the method invokes the `live` alias and a
 * deployment group shifts it, rolled back by the route's own 5xx alarm (`FunctionReleases`).
 */
export class RouteFunctions extends Construct {
  public readonly functions: ReadonlyMap<string, FeatureFunction>;
  /** The alarm that rolls back each route's release (gradual stages only), by route id. */
  public readonly rollbackAlarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: RouteFunctionsProps) {
    super(scope, id);
    const { config } = props;
    const releases = new FunctionReleases(this, 'Releases', { config });
    const functions = new Map<string, FeatureFunction>();
    const rollbackAlarms = new Map<string, Alarm>();
    for (const route of props.routes) {
      const fn = new FeatureFunction(this, pascal(route.id), {
        entry: route.handler,
        feature: route.id.split('.')[0] ?? 'platform',
        config,
        description: routeDescription(route),
        route,
        ...(route.timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(route.timeoutSeconds) }),
        functionName: routeFunctionName(config.stage, route.id),
      });
      props.bind(fn, route);
      let alarms: IAlarm[] = [];
      if (releases.gradual) {
        const alarm = routeServerErrors(fn, route, config);
        rollbackAlarms.set(route.id, alarm);
        alarms = [alarm, ...(props.rollbackAlarms ?? [])];
      }
      const release = releases.serve(fn, alarms);
      release.live.addPermission('ApiInvoke', {
        principal: new ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: props.api.arnForExecuteApi(route.method, toExecuteApiPath(route.path)),
      });
      functions.set(route.id, fn);
    }
    this.functions = functions;
    this.rollbackAlarms = rollbackAlarms;
  }
}

/**
 * The route's 5xx answers (API Gateway's per-method metric: the stage has detailed metrics on),
 * at the stage's 5xx threshold for two minutes in a row. The pipeline turns a failure into a 500
 * and API Gateway a function that crashes or times out into a 502/504, so every way new code can
 * fail a route shows here. It only rolls back a release: the API's own 5xx alarm pages.
 */
function routeServerErrors(fn: FeatureFunction, route: RouteDef, config: StageConfig): Alarm {
  return new Alarm(fn, 'ServerErrors', {
    alarmDescription: `${route.id}: ${route.method} ${route.path} answers 5xx (rolls back a gradual release)`,
    metric: new Metric({
      namespace: 'AWS/ApiGateway',
      metricName: '5XXError',
      dimensionsMap: {
        ApiName: restApiName(config.stage),
        Stage: config.stage,
        Method: route.method,
        Resource: route.path,
      },
      period: Duration.minutes(1),
      statistic: 'Sum',
    }),
    threshold: config.alarms.api5xxPerMinute,
    evaluationPeriods: 2,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

/** `/v1/stacks/{stackId}` → `/v1/stacks/*`: an execute-api ARN names path parameters with `*`. */
function toExecuteApiPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}
