import type { RouteDef } from '../../functions/shared/http/route.ts';
import { LIVE_ALIAS, routeFunctionName, type StackRole } from './names.ts';
import type { StageConfig } from './stages.ts';

/** The stacks that hold route functions (`RouteFunctions`); the API stack holds none. */
export type RouteHostRole = Extract<StackRole, 'Identity' | 'Platform' | 'Gdpr' | 'Deployments'>;

/**
 * Which stack holds a route's function, by the route id's feature (`deployments.*`). The API stack
 * holds the REST API, every method, the authorizer and the fallback; route functions live in
 * feature stacks deployed after it, which the methods invoke by name: the API stack stays far from
 * CloudFormation's 500 resources per stack, and each function's version, `live` alias, deployment
 * group and rollback alarm (staging, prod) sit beside it (docs/decisions/0015-gradual-releases.md).
 */
export const ROUTE_HOSTS: Readonly<Record<string, RouteHostRole>> = {
  auth: 'Identity',
  keys: 'Identity',
  audit: 'Identity',
  platform: 'Platform',
  monitoring: 'Platform',
  ratelimit: 'Platform',
  gdpr: 'Gdpr',
  deployments: 'Deployments',
};

/** The stack holding `route`'s function; a feature without a home fails the synth. */
export function routeHost(route: Pick<RouteDef, 'id'>): RouteHostRole {
  const feature = route.id.split('.')[0] ?? '';
  const host = ROUTE_HOSTS[feature];
  if (host === undefined)
    throw new Error(
      `route ${route.id}: feature ${feature} has no stack in ROUTE_HOSTS (lib/config/route-hosting.ts)`,
    );
  return host;
}

/** What the route's method invokes: its function by name, through the `live` alias where the stage releases gradually. */
export function routeInvokeTarget(config: StageConfig, route: Pick<RouteDef, 'id'>): string {
  const name = routeFunctionName(config.stage, route.id);
  return config.functions.release === 'allAtOnce' ? name : `${name}:${LIVE_ALIAS}`;
}
