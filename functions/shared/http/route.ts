import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What a route's function needs from the stateful stack. The API stack turns each into one
 * `bind*` call (env var + narrowest grant), so a handler's permissions follow from its row.
 */
export type ResourceNeed = 'app:read' | 'app:readWrite' | 'events:append' | 'redis' | 'signingKeys:read';

/** Who may call a route: nobody needs to be authenticated, or a JWT / API key principal. */
export type RouteAuth = 'public' | 'principal';

export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Content type of the body; problem+json for errors is implied. */
  readonly contentType?: string;
}

/**
 * One row of the route table: the single source of truth read by the CDK API stack, the
 * OpenAPI document, the pipeline (permission, rate-limit scopes, cache policy) and the RBAC tests.
 */
export interface RouteDef {
  /** Stable id, `<feature>.<action>`; also the Lambda's logical name. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway style path: `/v1/keys/{keyId}`. */
  readonly path: string;
  /** Entry file relative to the repository root, exporting `handler`. */
  readonly handler: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly auth: RouteAuth;
  /** Permission the principal must hold; `null` only for public routes. */
  readonly permission: string | null;
  /** Rate-limit scopes the request passes through, in order. */
  readonly rateLimit: readonly string[];
  /** Response caching: data class (drives TTL) and whether the key includes the principal. */
  readonly cache: { readonly dataClass: string; readonly perPrincipal: boolean } | null;
  /** Stateful resources the function uses. @default none */
  readonly needs?: readonly ResourceNeed[];
  readonly request?: {
    readonly body?: z.ZodType;
    readonly query?: z.ZodType;
    readonly params?: z.ZodType;
  };
  readonly responses: Readonly<Record<number, RouteResponse>>;
}

/** Keeps literal types of a route while checking it against RouteDef. */
export function defineRoute<const R extends RouteDef>(route: R): R {
  if (route.auth === 'public' && route.permission !== null) {
    throw new Error(`Route ${route.id}: a public route cannot require permission ${route.permission}`);
  }
  if (route.auth === 'principal' && route.permission === null) {
    throw new Error(`Route ${route.id}: an authenticated route must name its permission`);
  }
  if (!route.path.startsWith('/')) throw new Error(`Route ${route.id}: path must start with /`);
  return route;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type Req<R extends RouteDef> = NonNullable<R['request']>;

export type RouteBody<R extends RouteDef> = Infer<Req<R>['body']>;
export type RouteQuery<R extends RouteDef> = Infer<Req<R>['query']>;
export type RouteParams<R extends RouteDef> = Infer<Req<R>['params']>;
