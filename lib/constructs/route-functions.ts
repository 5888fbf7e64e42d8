import { Duration } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { routeFunctionName } from '../config/names.ts';
import type { StageConfig } from '../config/stages.ts';
import { FeatureFunction } from './feature-function.ts';
import { pascal, routeDescription } from './route-api.ts';

export interface RouteFunctionsProps {
  readonly config: StageConfig;
  /** The rows whose functions this stack holds; the API stack has their methods (`RouteApi.hostedElsewhere`). */
  readonly routes: readonly RouteDef[];
  /** The REST API whose methods invoke them. */
  readonly api: IRestApi;
  /** Turns a route's `needs` into bindings on its function. */
  readonly bind: (fn: FeatureFunction, route: RouteDef) => void;
}

/**
 * Route functions held by their feature's stack: built and bound exactly as the API stack builds
 * its own (same bundling by row, same needs), under the fixed name the API stack's method names
 * (`routeFunctionName`), each with one invoke permission for that API's stage methods.
 */
export class RouteFunctions extends Construct {
  public readonly functions: ReadonlyMap<string, FeatureFunction>;

  constructor(scope: Construct, id: string, props: RouteFunctionsProps) {
    super(scope, id);
    const functions = new Map<string, FeatureFunction>();
    for (const route of props.routes) {
      const fn = new FeatureFunction(this, pascal(route.id), {
        entry: route.handler,
        feature: route.id.split('.')[0] ?? 'platform',
        config: props.config,
        description: routeDescription(route),
        route,
        ...(route.timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(route.timeoutSeconds) }),
        functionName: routeFunctionName(props.config.stage, route.id),
      });
      props.bind(fn, route);
      fn.addPermission('ApiInvoke', {
        principal: new ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: props.api.arnForExecuteApi(route.method, toExecuteApiPath(route.path)),
      });
      functions.set(route.id, fn);
    }
    this.functions = functions;
  }
}

/** `/v1/stacks/{stackId}` → `/v1/stacks/*`: an execute-api ARN names path parameters with `*`. */
function toExecuteApiPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}
