import { listAudit } from './audit/routes.ts';
import { authRoutes } from './auth/routes.ts';
import { catalogRoutes } from './deployments/catalog-routes.ts';
import { deploymentRoutes } from './deployments/routes.ts';
import { consentRoutes } from './gdpr/consent-routes.ts';
import { gdprRequestRoutes } from './gdpr/routes.ts';
import { keyRoutes } from './keys/routes.ts';
import { monitoringHealthRoutes, monitoringRoutes } from './monitoring/routes.ts';
import { platformRoutes } from './platform/routes.ts';
import { rateLimitRoutes } from './ratelimit/routes.ts';
import type { RouteDef } from './shared/http/route.ts';

/**
 * The route table: every HTTP route of Nimbus. The CDK API stack, the OpenAPI document, the
 * method-not-allowed fallback and the RBAC tests all read this list; nothing about a route is
 * written twice.
 */
export const routes: readonly RouteDef[] = [
  ...platformRoutes,
  ...authRoutes,
  ...keyRoutes,
  listAudit,
  ...rateLimitRoutes,
  ...monitoringRoutes,
  ...monitoringHealthRoutes,
  ...consentRoutes,
  ...gdprRequestRoutes,
  ...catalogRoutes,
  ...deploymentRoutes,
];

const ids = new Set<string>();
const keys = new Set<string>();
for (const route of routes) {
  const key = `${route.method} ${route.path}`;
  if (ids.has(route.id)) throw new Error(`Duplicate route id ${route.id}`);
  if (keys.has(key)) throw new Error(`Duplicate route ${key}`);
  ids.add(route.id);
  keys.add(key);
}
