import type { RouteDef } from '../../functions/shared/http/route.ts';
import type { StackRole } from './names.ts';

/**
 * Which stack holds a route's function. The API stack holds the REST API, every method and most
 * route functions; a feature whose routes would push it past CloudFormation's 500 resources per
 * stack keeps its functions in its own stack, and the API stack integrates them by name
 * (docs/decisions/0014-deployment-sagas.md). Keyed by the route id's feature (`deployments.*`).
 */
const HOSTED_BY_FEATURE: Readonly<Record<string, StackRole>> = {
  gdpr: 'Gdpr',
  deployments: 'Deployments',
};

export function routeHost(route: Pick<RouteDef, 'id'>): StackRole {
  return HOSTED_BY_FEATURE[route.id.split('.')[0] ?? ''] ?? 'Api';
}
