import type { RouteDef } from '../http/route.ts';

/**
 * What a function's bundle carries, fixed when it is built. The pipeline's rate limiter and
 * response cache and the Powertools Tracer are loaded through `await import()`, which a
 * single-file bundle inlines whether or not the route ever reaches it; each is gated by a
 * `process.env.NIMBUS_BUNDLE_*` test that esbuild replaces with a constant (`define`), so that
 * the branch a route cannot take, and every module only it imports, is dropped from the bundle.
 *
 * Outside a bundle (tests, tsx) the variables are unset and every stage stays available, decided
 * at run time from the row as before.
 */
export interface BundleProfile {
  /** The row names rate-limit scopes: the limiter, Upstash and the identifier-key secret. */
  readonly rateLimit: boolean;
  /** The row is a GET with a cache policy: the two-level response cache. */
  readonly responseCache: boolean;
  /**
   * The stage traces and the function calls something worth a subsegment (its row declares
   * `needs`; a function without a row counts as calling out). The Tracer brings the X-Ray SDK
   * (~120 KB, async hooks on every await); a route without needs still gets the invocation
   * segment Lambda's active tracing records by itself.
   */
  readonly tracer: boolean;
  /** The row has the `redis` need: it records its latency into the request histograms. */
  readonly requestMetrics: boolean;
}

/**
 * Routes record their latency only where their function already reaches Redis (the `redis` need,
 * which every rate-limited route has): metrics never give a function a client, a secret or a
 * grant it did not have. The rest (liveness, version, OpenAPI, JWKS) go unrecorded.
 */
export const recordsRequestMetrics = (route: Pick<RouteDef, 'needs'>): boolean =>
  (route.needs ?? []).includes('redis');

/** The part of a route row the profile is read from. */
export type ProfiledRoute = Pick<RouteDef, 'rateLimit' | 'cache' | 'method' | 'needs'>;

/** The profile of a function serving `route` (or none: an authorizer, a job) on a stage that traces or not. */
export function bundleProfile(route: ProfiledRoute | undefined, tracing: boolean): BundleProfile {
  if (route === undefined)
    return { rateLimit: true, responseCache: true, tracer: tracing, requestMetrics: true };
  return {
    rateLimit: route.rateLimit.length > 0,
    responseCache: route.cache !== null && route.method === 'GET',
    tracer: tracing && (route.needs ?? []).length > 0,
    requestMetrics: recordsRequestMetrics(route),
  };
}

/**
 * The esbuild `define` of a profile (none: a function without a row keeps every stage). The code side reads each as the literal expression
 * `process.env.NIMBUS_BUNDLE_<NAME> !== 'off'` at the point of use: only a literal test is folded
 * to a constant early enough for esbuild to leave the import in the dead branch out.
 * `NIMBUS_ROUTE_CHECKS` says the route table's checks (`defineRoute`) already ran when the
 * bundle was built, so a function does not repeat them (nor carry zod's JSON Schema code) at init.
 */
export function bundleDefine(profile: BundleProfile | undefined): Record<string, string> {
  const flag = (on: boolean) => JSON.stringify(on ? 'on' : 'off');
  return {
    'process.env.NIMBUS_ROUTE_CHECKS': JSON.stringify('built'),
    ...(profile === undefined
      ? {}
      : {
          'process.env.NIMBUS_BUNDLE_RATE_LIMIT': flag(profile.rateLimit),
          'process.env.NIMBUS_BUNDLE_RESPONSE_CACHE': flag(profile.responseCache),
          'process.env.NIMBUS_BUNDLE_TRACER': flag(profile.tracer),
          'process.env.NIMBUS_BUNDLE_REQUEST_METRICS': flag(profile.requestMetrics),
        }),
  };
}
