import * as z from 'zod';
import type { DataClass } from '../cache/data-classes.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What a route's (or a scheduled job's, `functions/jobs/jobs.ts`) function needs. The API stack
 * turns each into one `bind*` call (env var + narrowest grant), so a handler's permissions follow
 * from its row.
 */
export type ResourceNeed =
  | 'app:read'
  | 'app:readWrite'
  | 'events:append'
  | 'events:read'
  | 'redis'
  | 'signingKeys:read'
  /** Rotation: write the signing-key secret's versions (and start its rotation where the target can). */
  | 'signingKeys:rotate'
  | 'dataKey:read'
  | 'auth'
  /** Run the four rotation steps in-process only, without starting a rotation (the daily job). */
  | 'signingKeys:steps'
  /** API-key rotation settings (overlap default and ceiling). */
  | 'apiKeyRotation'
  /** Publish to the stage's alarm topic. */
  | 'alerts:publish'
  /** The scheduled jobs' settings (`functions/jobs/config.ts`). */
  | 'jobs'
  /** GDPR settings: grace period, deadline, retention classes (`functions/gdpr/config.ts`). */
  | 'gdpr'
  /** Queue an export for the export worker. */
  | 'gdpr:exports'
  /** Start and stop erasure workflows. */
  | 'gdpr:erasures'
  /** Report an erasure that failed after its retries (the erasure failure queue, alarmed). */
  | 'gdpr:failures'
  /** Delete a person's data keys (crypto-shredding their sealed audit fields): the erasure workflow. */
  | 'personalKeys:shred'
  /** The SLO targets of the route classes (`functions/shared/config/slo.ts`). */
  | 'slo'
  /** Read one well-known item of each table (app, events, personal keys), nothing else: health probes. */
  | 'tables:probe'
  /** Queue depths and state machines' status of the GDPR and deployment workflows, read-only: health probes. */
  | 'workflows:observe'
  /** List the stage's CloudWatch alarms (by their name prefix). */
  | 'alarms:read'
  /** The stage config's summary without secrets (`functions/shared/config/monitoring.ts`). */
  | 'config:summary'
  /** Deployment settings: circuit breaker, drivers and endpoints allowed, timeouts (`functions/deployments/config.ts`). */
  | 'deployments'
  /** Start and stop deployment sagas, and answer their waiting deploy step (task token). */
  | 'deployments:saga'
  /** Publish deployment events to the event queue (`deployments.*` topics). */
  | 'deployments:events'
  /** Read the agents' HMAC keys: the Secrets Manager secrets under the stage's target prefix. */
  | 'deployments:credentials';

/** Who may call a route: nobody needs to be authenticated, or a JWT / API key principal. */
export type RouteAuth = 'public' | 'principal';

export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Content type of the body; problem+json for errors is implied. */
  readonly contentType?: string;
}

/** How a GET route's responses are cached (`functions/shared/cache/response-cache.ts`). */
export interface RouteCachePolicy {
  /** Drives the TTL. */
  readonly dataClass: DataClass;
  /** Whether the key includes the principal. */
  readonly perPrincipal: boolean;
  /** Tags whose invalidation drops the cached response in every container. @default none */
  readonly tags?: readonly string[];
  /**
   * Confirm the tags with Redis on every hit, so an invalidation shows in the very next response
   * rather than within the cache's 1 s version window. @default false
   */
  readonly confirmEveryHit?: boolean;
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
  /** Response caching (GET only); see `RouteCachePolicy`. */
  readonly cache: RouteCachePolicy | null;
  /** Stateful resources the function uses. @default none */
  readonly needs?: readonly ResourceNeed[];
  /**
   * The function's timeout when the route may take longer than the stage default (a long poll);
   * at most 28 s, inside API Gateway's 29 s integration limit. @default the stage's `functions.timeoutSeconds`
   */
  readonly timeoutSeconds?: number;
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
  if (
    route.timeoutSeconds !== undefined &&
    !(Number.isInteger(route.timeoutSeconds) && route.timeoutSeconds >= 1 && route.timeoutSeconds <= 28)
  )
    throw new Error(`Route ${route.id}: timeoutSeconds must be a whole number from 1 to 28`);
  // A bundle's rows were checked when it was built (config/bundle.ts): not again at each cold start.
  if (process.env.NIMBUS_ROUTE_CHECKS !== 'built') assertPathParams(route);
  return route;
}

/** What every route of a feature shares: its OpenAPI tags and, often, the resources it uses. */
export interface FeatureDefaults {
  readonly tags: readonly string[];
  readonly needs?: readonly ResourceNeed[];
}

/** The members a builder fills in; a row may still override the ones it does not fix. */
type Defaulted = 'auth' | 'permission' | 'tags' | 'rateLimit' | 'cache';

/** A row as written in a feature's `routes.ts`: only what differs from the defaults. */
type Row = Omit<RouteDef, Defaulted> &
  Partial<Pick<RouteDef, 'tags' | 'rateLimit' | 'cache'>> & {
    /** The builder says who may call; a row cannot contradict it. */
    readonly auth?: never;
  };
/** `permission?: never`: a public row that names one is a mistake the compiler (and defineRoute) reports. */
export type PublicRow = Row & { readonly permission?: never };
export type PrincipalRow = Row & { readonly permission: string };

/** The full row a builder returns: the row's own literal types, the defaults' general ones. */
type Built<R, A extends RouteAuth> = Omit<R, Defaulted> &
  Pick<RouteDef, 'tags' | 'rateLimit' | 'cache'> & {
    readonly auth: A;
    readonly permission: A extends 'public' ? null : string;
  };

/**
 * Every public request still passes the API-wide limit: a forgotten limit should cost a line to
 * lift, not be the default. Health checks and other probes opt out with `rateLimit: []`.
 */
export const PUBLIC_RATE_LIMIT = ['global'] as const;
/** Authenticated callers also spend their per-principal general budget. */
export const PRINCIPAL_RATE_LIMIT = ['global', 'api_general'] as const;

/**
 * Route builders with a feature's defaults, so that each row states only what differs:
 * - `publicRoute`: anyone may call (no permission), limited by `PUBLIC_RATE_LIMIT`;
 * - `principalRoute`: a JWT user or an API key holding `permission`, limited by
 *   `PRINCIPAL_RATE_LIMIT`; its handler sees a non-null `principal`.
 * Neither caches unless the row says so. The result goes through `defineRoute`'s checks.
 */
export function routeBuilders(feature: FeatureDefaults) {
  const shared = { cache: null, ...feature };
  return {
    publicRoute: <const R extends PublicRow>(row: R) =>
      defineRoute<Built<R, 'public'>>({
        ...shared,
        rateLimit: PUBLIC_RATE_LIMIT,
        // Before the row, so that a permission slipped past the types fails defineRoute's check.
        permission: null,
        ...row,
        auth: 'public',
      }),
    principalRoute: <const R extends PrincipalRow>(row: R) =>
      defineRoute<Built<R, 'principal'>>({
        ...shared,
        rateLimit: PRINCIPAL_RATE_LIMIT,
        ...row,
        auth: 'principal',
      }),
  };
}

/** The names of a path's `{name}` placeholders; greedy `{name+}` ones apart. */
function placeholders(path: string): { plain: string[]; greedy: string[] } {
  const plain: string[] = [];
  const greedy: string[] = [];
  for (const [, name, plus] of path.matchAll(/\{([^{}+]+)(\+?)\}/g)) {
    if (name !== undefined) (plus === '+' ? greedy : plain).push(name);
  }
  return { plain, greedy };
}

/** Top-level property names of a params schema, as the OpenAPI document will list them. */
function schemaKeys(schema: z.ZodType): string[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, unknown>;
  };
  return Object.keys(json.properties ?? {});
}

/**
 * Throws unless every `{name}` placeholder of the path is a key of `request.params` and every key
 * is a placeholder: OpenAPI requires each templated segment to be described as a path parameter
 * and no path parameter without a segment. A greedy `{proxy+}` may go undescribed.
 */
export function assertPathParams(route: Pick<RouteDef, 'id' | 'path' | 'request'>): void {
  const { plain, greedy } = placeholders(route.path);
  const schema = route.request?.params;
  const keys = schema === undefined ? [] : schemaKeys(schema);
  const missing = plain.filter((name) => !keys.includes(name));
  const extra = keys.filter((key) => !plain.includes(key) && !greedy.includes(key));
  if (missing.length === 0 && extra.length === 0) return;
  const problems = [
    ...(missing.length > 0
      ? [`placeholder(s) ${missing.map((name) => `{${name}}`).join(', ')} missing from request.params`]
      : []),
    ...(extra.length > 0 ? [`request.params key(s) ${extra.join(', ')} not in the path`] : []),
  ];
  throw new Error(`Route ${route.id} (${route.path}): ${problems.join('; ')}`);
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type Req<R extends RouteDef> = NonNullable<R['request']>;

export type RouteBody<R extends RouteDef> = Infer<Req<R>['body']>;
export type RouteQuery<R extends RouteDef> = Infer<Req<R>['query']>;
export type RouteParams<R extends RouteDef> = Infer<Req<R>['params']>;
