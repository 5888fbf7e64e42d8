import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod';
import { getRedis } from '../clients/redis.ts';
import { buildInfoFromEnv } from '../config/build.ts';
import type { Principal } from '../http/principal.ts';
import type { RouteDef } from '../http/route.ts';
import { logger } from '../observability.ts';
import { isDataClass } from './data-classes.ts';
import { RESPONSE_CACHE_NAMESPACE, RESPONSE_CACHE_STATS_KEY } from './namespaces.ts';
import type { CacheStats } from './stats.ts';
import { createCache } from './two-level-cache.ts';

/** The HTTP response cache every function shares (one namespace, so invalidation reaches all). */
export const responseCache = createCache({ redis: getRedis, namespace: RESPONSE_CACHE_NAMESPACE });

interface CachedResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

const etagOf = (body: string) => `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;

/**
 * The build that produces the responses. A cached response is only ever served by the build that
 * made it: a deploy that changes the route table (OpenAPI) or a response's shape starts afresh
 * instead of serving the previous build's copy for a TTL.
 */
const { version, commit } = buildInfoFromEnv();
const BUILD = `${version}+${commit}`;

interface CacheRequest {
  /** The API deployment answering (API Gateway's api id): two deployments sharing one Redis never share copies. */
  readonly apiId: string;
  readonly path: string;
  /** The query as the route's `request.query` schema validated it (`undefined` when it declares none). */
  readonly query: Readonly<Record<string, unknown>> | null | undefined;
  readonly principal: Principal | null;
  readonly ifNoneMatch: string | undefined;
}

/** A zod object schema (what `z.object()` and its variants build), known by its definition. */
const isObjectSchema = (schema: z.ZodType): schema is z.ZodObject => schema._zod.def.type === 'object';

/**
 * The query parameters that may make a copy of their own: those the route's schema declares. A
 * parameter the route does not read cannot change its answer, and keying by it would let anyone
 * fill the cache with copies (`?junk=1`, `?junk=2`, ...). Without a schema nothing counts; a schema
 * that is not a plain object counts what its validated output kept.
 */
function declaredQuery(route: RouteDef, query: CacheRequest['query']): [string, unknown][] {
  const schema = route.request?.query;
  if (schema === undefined || query === null || query === undefined) return [];
  // Read from the schema's definition rather than by `instanceof z.ZodObject`, which would make zod
  // a run-time import of every cached route's function, with or without a query schema.
  const declared = isObjectSchema(schema) ? new Set(Object.keys(schema.shape)) : undefined;
  return Object.entries(query).filter(([k]) => declared === undefined || declared.has(k));
}

const queryValue = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));

/**
 * The cache key of one GET: deployment, build, route, principal where the route says so, path and
 * the declared, validated query.
 */
export function cacheKey(
  route: RouteDef,
  request: Omit<CacheRequest, 'ifNoneMatch'>,
  build: string = BUILD,
): string {
  const q = declaredQuery(route, request.query)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(queryValue(v))}`)
    .join('&');
  const who = route.cache?.perPrincipal ? (request.principal?.id ?? 'anonymous') : '-';
  return `${request.apiId}|${build}|${route.id}|${who}|${request.path}?${q}`;
}

/**
 * Serves a GET route through the two-level cache: per principal where the route says so, with
 * an ETag and 304 for `If-None-Match`. Only 200s are kept; anything else is answered and dropped.
 * A loader failure (unexpected error) may be answered with the last good copy (stale-while-error).
 */
export async function cachedResponse(
  route: RouteDef,
  request: CacheRequest,
  produce: () => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  const policy = route.cache;
  if (!policy || !isDataClass(policy.dataClass))
    throw new Error(`Route ${route.id} has no valid cache policy`);
  const key = cacheKey(route, request);
  let uncached: APIGatewayProxyResult | undefined;
  const { value, source } = await responseCache.get<CachedResponse | null>(key, {
    dataClass: policy.dataClass,
    tags: [`route:${route.id}`, ...(policy.tags ?? [])],
    confirmEveryHit: policy.confirmEveryHit ?? false,
    ...(policy.perPrincipal && request.principal ? { userId: request.principal.id } : {}),
    load: async () => {
      const result = await produce();
      if (result.statusCode !== 200) {
        uncached = result;
        return null;
      }
      const headers = result.headers ?? {};
      return {
        statusCode: 200,
        body: result.body,
        contentType: String(headers['Content-Type'] ?? 'application/json'),
        etag: etagOf(result.body),
      };
    },
  });
  if (uncached) {
    await responseCache.delete(key).catch((error: unknown) => logger.warn('cache delete failed', { error }));
    return uncached;
  }
  if (value === null) return produce(); // another caller's miss left no value: answer directly
  const headers = {
    ETag: value.etag,
    'Cache-Control': policy.perPrincipal ? 'private, no-cache' : 'public, max-age=60',
    ...(policy.perPrincipal ? { Vary: 'Authorization, x-api-key' } : {}),
    'x-cache': source,
  };
  if (request.ifNoneMatch?.split(',').some((tag) => tag.trim() === value.etag)) {
    return { statusCode: 304, headers, body: '' };
  }
  return { statusCode: 200, headers: { ...headers, 'Content-Type': value.contentType }, body: value.body };
}

// ---- cross-container statistics --------------------------------------------------------------
// Each container's counters are folded into one Redis hash now and then (at most every 5 s, one
// round trip), so the stats endpoint sees the whole fleet rather than its own container.
const STATS_KEY = RESPONSE_CACHE_STATS_KEY;
const FLUSH_EVERY_MS = 5_000;
let flushed: CacheStats | undefined;
let lastFlush = 0;

type Counter = 'l1Hits' | 'l1Misses' | 'l2Hits' | 'l2Misses' | 'l2Errors' | 'loads' | 'stale' | 'fallbacks';

function counters(stats: CacheStats): Record<Counter, number> {
  return {
    l1Hits: stats.l1.hits,
    l1Misses: stats.l1.misses,
    l2Hits: stats.l2.hits,
    l2Misses: stats.l2.misses,
    l2Errors: stats.l2.errors,
    loads: stats.loads,
    stale: stats.stale,
    fallbacks: stats.fallbacks,
  };
}

export async function flushStats(force = false): Promise<void> {
  const now = Date.now();
  if (!force && now - lastFlush < FLUSH_EVERY_MS) return;
  lastFlush = now;
  const current = responseCache.stats();
  const before = flushed ? counters(flushed) : undefined;
  const deltas = Object.entries(counters(current)).filter(
    ([name, value]) => value - (before?.[name as Counter] ?? 0) > 0,
  );
  if (deltas.length === 0) return;
  try {
    const redis = await getRedis();
    const pipe = redis.pipeline();
    for (const [name, value] of deltas)
      pipe.hincrby(STATS_KEY, name, value - (before?.[name as Counter] ?? 0));
    await pipe.exec();
    flushed = current;
  } catch (error) {
    logger.debug('cache stats flush failed', { error });
  }
}

/** Fleet-wide counters (what containers flushed), plus this container's live view. */
export async function fleetStats() {
  const redis = await getRedis();
  const raw = ((await redis.hgetall<Record<string, number | string>>(STATS_KEY)) ?? {}) as Record<
    string,
    number | string
  >;
  const n = (name: string) => Number(raw[name] ?? 0);
  const l1 = { hits: n('l1Hits'), misses: n('l1Misses') };
  const l2 = { hits: n('l2Hits'), misses: n('l2Misses'), errors: n('l2Errors') };
  const lookups = l1.hits + l1.misses;
  const served = l1.hits + l2.hits;
  return {
    l1,
    l2,
    loads: n('loads'),
    stale: n('stale'),
    fallbacks: n('fallbacks'),
    hitRate: lookups > 0 ? served / lookups : 0,
    // Latency is not additive across containers: this container's recent Redis calls.
    l2LatencyMs: { avg: responseCache.stats().l2.avgLatencyMs, p99: responseCache.stats().l2.p99LatencyMs },
  };
}
