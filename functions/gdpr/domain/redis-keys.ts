/**
 * Every Redis key Nimbus writes, as data: what each key pattern holds, whether it can identify a
 * person (and how), and how long it lives. The Redis entry of the GDPR data map walks this list:
 * the adapter (`../store/redis-personal-data.ts`) finds a subject's keys by the `identifies` of each
 * pattern, and `test/unit/gdpr/redis-keys.test.ts` fails when the code writes a prefix, a cache
 * namespace or uses the Redis client somewhere this file does not declare.
 */
import {
  CIRCUIT_MAX_TTL_SECONDS,
  CIRCUIT_PREFIX,
  DEPLOY_PREFIX,
} from '#functions/deployments/store/circuit.ts';
import { DATA_CLASSES } from '#shared/cache/data-classes.ts';
import {
  AUTHORIZER_NAMESPACE,
  CACHE_PREFIX,
  RESPONSE_CACHE_NAMESPACE,
  RESPONSE_CACHE_STATS_KEY,
} from '#shared/cache/namespaces.ts';
import {
  METRICS_PREFIX,
  REQUEST_METRICS_PREFIX,
  REQUEST_METRICS_TTL_SECONDS,
} from '#shared/metrics/request-histogram.ts';
import {
  RATE_LIMIT_PREFIX,
  SCOPES,
  type ScopeName,
  type ScopeSpec,
  windowMs,
} from '#shared/ratelimit/scopes.ts';

/**
 * How a key can point at a person.
 * - `user-id-in-name`: the user id is a segment of the key name (found by SCAN on the id).
 * - `principal-hash-in-name` / `account-hash-in-name`: the keyed hash (`identifiers.ts`) of
 *   `p:<userId>` / `acct:<email>` is a segment of the name (found by computing it).
 * - `ip-hash-in-name`: the keyed hash of an IP. No IP is kept next to a user, so these cannot be
 *   found by person: they expire by their TTL.
 * - `user-tag-in-value`: the value's tag map names `t:user:<userId>` (found by reading values).
 * - `personal-value`: the value holds personal data (a cached profile: email, name); found through
 *   one of the other ways, which every such pattern also declares.
 */
export type Identification =
  | 'user-id-in-name'
  | 'principal-hash-in-name'
  | 'account-hash-in-name'
  | 'ip-hash-in-name'
  | 'user-tag-in-value'
  | 'personal-value';

export interface RedisKeyPattern {
  /** Stable id, used in export summaries and erasure receipts. */
  readonly id: string;
  /** Every key of this pattern starts with it; the longest declared prefix classifies a key. */
  readonly prefix: string;
  /** The full layout, for people. */
  readonly layout: string;
  readonly holds: string;
  /** Empty: the pattern never identifies anyone. */
  readonly identifies: readonly Identification[];
  /** Upper bound of a key's life in seconds (its TTL); null: no TTL (never personal). */
  readonly maxTtlSeconds: number | null;
  readonly retention: string;
  /**
   * `delete`: erasure finds and deletes the subject's keys. `expire`: cannot be found by person
   * and ends by TTL. `keep`: holds nothing personal.
   */
  readonly erasure: 'delete' | 'expire' | 'keep';
  /** The value goes into the subject's export (it is their data, and no secret). */
  readonly exportValue: boolean;
  /** Cache namespace the key belongs to (erasure bumps its epoch so every container's L1 drops it). */
  readonly namespace?: string;
}

// ---- TTLs, as the code computes them ----------------------------------------------------------
const MAX_CLASS_TTL_S = Math.max(...Object.values(DATA_CLASSES));
/** Entries are written with PX = class TTL + stale window (default: the class TTL again). */
const MAX_ENTRY_TTL_S = 2 * MAX_CLASS_TTL_S;
/** Version keys outlive every entry stamped with them: max TTL + stale + 1 day (`two-level-cache.ts`). */
const VERSION_TTL_S = 2 * MAX_CLASS_TTL_S + 86_400;
/** The load lock (`lockTtlMs`, default 2 s). */
const LOCK_TTL_S = 2;

const cacheKeys = (namespace: string) => `${CACHE_PREFIX}${namespace}:`;
const http = cacheKeys(RESPONSE_CACHE_NAMESPACE);
const authz = cacheKeys(AUTHORIZER_NAMESPACE);

/** Both cache namespaces share the layout of `versions.ts` for locks and versions. */
function lockAndVersions(namespace: string, who: string): readonly RedisKeyPattern[] {
  const base = cacheKeys(namespace);
  return [
    {
      id: `cache.${namespace}.lock`,
      prefix: `${base}l:`,
      layout: `${base}l:<entry key>`,
      holds: `'1' while one container loads the entry (cross-container single flight). ${who}`,
      identifies: ['user-id-in-name'],
      maxTtlSeconds: LOCK_TTL_S,
      retention: 'lockTtlMs (2 s)',
      erasure: 'delete',
      exportValue: false,
      namespace,
    },
    {
      id: `cache.${namespace}.version`,
      prefix: `${base}v:`,
      layout: `${base}v:epoch | ${base}v:t:<tag> (t:user:<userId>, t:route:<id>…) | ${base}v:k:<entry key>`,
      holds: 'A random version per tag / key / the namespace epoch: invalidation reaches every container',
      identifies: ['user-id-in-name'],
      maxTtlSeconds: VERSION_TTL_S,
      retention: 'max class TTL + stale window + 1 day (the epoch: none, it names nobody)',
      erasure: 'delete',
      exportValue: false,
      namespace,
    },
  ];
}

const CACHE_PATTERNS: readonly RedisKeyPattern[] = [
  {
    id: 'cache.http.entry',
    prefix: `${http}e:`,
    layout: `${http}e:<apiId>|<build>|<routeId>|<principal id or '-'>|<path>?<declared query>`,
    holds:
      'A cached GET response (status, body, ETag). Per-principal routes (/v1/me: email, name; /v1/keys) are keyed by the user id; shared routes hold no personal data (SHARED_CACHED_ROUTES)',
    identifies: ['user-id-in-name', 'personal-value'],
    maxTtlSeconds: MAX_ENTRY_TTL_S,
    retention: "route data class TTL × 2 (stale-while-error); 'user' class: 600 s",
    erasure: 'delete',
    exportValue: true,
    namespace: RESPONSE_CACHE_NAMESPACE,
  },
  ...lockAndVersions(RESPONSE_CACHE_NAMESPACE, 'Per-principal entries: named by the user id.'),
  {
    id: 'cache.http.stats',
    prefix: RESPONSE_CACHE_STATS_KEY,
    layout: RESPONSE_CACHE_STATS_KEY,
    holds: 'Fleet-wide hit / miss counters (a hash)',
    identifies: [],
    maxTtlSeconds: null,
    retention: 'none (counters only)',
    erasure: 'keep',
    exportValue: false,
  },
  {
    id: 'cache.authz.session',
    prefix: `${authz}e:session:`,
    layout: `${authz}e:session:<userId>:<sessionId>`,
    holds: "The authorizer's verdict on a session: revoked, absolute expiry, the user's roles",
    identifies: ['user-id-in-name'],
    // The largest `authorizerCacheSeconds` of the stage table today.
    maxTtlSeconds: 30,
    retention: 'authorizerCacheSeconds (stage: 0–30 s), no stale window',
    erasure: 'delete',
    exportValue: true,
    namespace: AUTHORIZER_NAMESPACE,
  },
  {
    id: 'cache.authz.apikey',
    prefix: `${authz}e:apikey:`,
    layout: `${authz}e:apikey:<keyId>:<generation>`,
    holds:
      "The authorizer's verdict on an API key: revoked, expiry, owner's roles and org; tagged t:user:<ownerId>",
    identifies: ['user-tag-in-value'],
    // The largest `authorizerCacheSeconds` of the stage table today.
    maxTtlSeconds: 30,
    retention: 'authorizerCacheSeconds (stage: 0–30 s), no stale window',
    erasure: 'delete',
    exportValue: true,
    namespace: AUTHORIZER_NAMESPACE,
  },
  ...lockAndVersions(AUTHORIZER_NAMESPACE, 'Session locks: named by the user id; API-key locks by key id.'),
];

/** How each kind of rate-limit identifier can point at a person (`route-limits.ts`). */
const RATE_LIMIT_IDENTIFIES: Readonly<Record<ScopeSpec['key'], readonly Identification[]>> = {
  // Anonymous callers of a principal scope are counted by IP.
  principal: ['principal-hash-in-name', 'ip-hash-in-name'],
  account: ['account-hash-in-name'],
  'ip+account': ['account-hash-in-name', 'ip-hash-in-name'],
  ip: ['ip-hash-in-name'],
};

function rateLimitPattern(scope: ScopeName, spec: ScopeSpec): RedisKeyPattern {
  const identifies = RATE_LIMIT_IDENTIFIES[spec.key];
  const findable = identifies.some((how) => how !== 'ip-hash-in-name');
  const windowS = windowMs(spec.window) / 1000;
  const suffix = spec.algorithm === 'tokenBucket' ? '' : ':<window index>';
  const name =
    spec.key === 'ip+account'
      ? '<H(ip)>.<H(acct)>'
      : `<H(${spec.key === 'principal' ? 'p | ip' : spec.key})>`;
  return {
    id: `ratelimit.${scope}`,
    prefix: `${RATE_LIMIT_PREFIX}${scope}:`,
    layout: `${RATE_LIMIT_PREFIX}${scope}:${name}${suffix}`,
    holds: `Request counter of the ${spec.algorithm} limiter (${spec.limit} per ${spec.window}), named by keyed hashes only`,
    identifies,
    // Sliding windows keep the previous window; @upstash/ratelimit expires keys at most 2 windows out.
    maxTtlSeconds: 2 * windowS,
    retention: `≤ 2 × ${spec.window} (TTL set by the limiter)`,
    // IP-keyed counters of these scopes expire by TTL; the subject's own are deleted.
    erasure: findable ? 'delete' : 'expire',
    exportValue: false,
  };
}

const RATE_LIMIT_PATTERNS: readonly RedisKeyPattern[] = (Object.keys(SCOPES) as ScopeName[]).map((scope) =>
  rateLimitPattern(scope, SCOPES[scope]),
);

const METRICS_PATTERNS: readonly RedisKeyPattern[] = [
  {
    id: 'metrics.http',
    prefix: REQUEST_METRICS_PREFIX,
    layout: `${REQUEST_METRICS_PREFIX}<epoch minute>`,
    holds:
      'Request latency histograms of one minute, a hash: fields <route class>|<route id>|<bucket, count, sum or status class>',
    identifies: [],
    maxTtlSeconds: REQUEST_METRICS_TTL_SECONDS,
    retention: '25 h (the longest window served, 24 h, and a margin)',
    erasure: 'keep',
    exportValue: false,
  },
];

const DEPLOYMENT_PATTERNS: readonly RedisKeyPattern[] = [
  {
    id: 'deploy.circuit',
    prefix: CIRCUIT_PREFIX,
    layout: `${CIRCUIT_PREFIX}<targetId>`,
    holds: "A deployment target's circuit breaker, a hash: failures, openUntil, trialUntil",
    identifies: [],
    maxTtlSeconds: CIRCUIT_MAX_TTL_SECONDS,
    retention: 'a day after its last change, plus the cool-down',
    erasure: 'keep',
    exportValue: false,
  },
];

/** Every Redis key pattern Nimbus writes. */
export const REDIS_KEY_PATTERNS: readonly RedisKeyPattern[] = [
  ...CACHE_PATTERNS,
  ...RATE_LIMIT_PATTERNS,
  ...METRICS_PATTERNS,
  ...DEPLOYMENT_PATTERNS,
];

/** Every declared prefix: a key that starts with none of them is undeclared. */
export const REDIS_KEY_PREFIXES: readonly string[] = REDIS_KEY_PATTERNS.map((pattern) => pattern.prefix);

/** The roots every key starts with (`nimbus:cache:`, `nimbus:rl:`, `nimbus:metrics:`): what an erasure scans. */
export const REDIS_KEY_ROOTS: readonly string[] = [
  CACHE_PREFIX,
  RATE_LIMIT_PREFIX,
  METRICS_PREFIX,
  DEPLOY_PREFIX,
];

/** The cache namespaces declared above (each `createCache` namespace must be one). */
export const CACHE_NAMESPACES: readonly string[] = [RESPONSE_CACHE_NAMESPACE, AUTHORIZER_NAMESPACE];

/**
 * Cached GET routes whose copy is shared by every caller (`perPrincipal: false`): their bodies
 * must hold no personal data, since their keys name nobody and an erasure cannot find them. A test
 * compares this list with the route table.
 */
export const SHARED_CACHED_ROUTES: readonly string[] = ['platform.openapi', 'auth.jwks'];

/**
 * The modules that talk to Redis directly (importing the client), and what they write. Any other
 * module doing so fails the inventory test until it is declared here with its keys above.
 */
export const REDIS_CLIENT_USERS: Readonly<Record<string, string>> = {
  'functions/shared/cache/response-cache.ts': 'cache.http.* through the two-level cache; cache.http.stats',
  'functions/shared/cache/authorizer-cache.ts': 'cache.authz.* through the two-level cache',
  'functions/shared/ratelimit/limiter.ts': 'ratelimit.* through @upstash/ratelimit',
  'functions/shared/metrics/request-recorder.ts': 'metrics.http (HINCRBY, EXPIRE)',
  'functions/monitoring/store/request-metrics.ts': 'nothing (reads metrics.http with HGETALL)',
  'functions/shared/health/probes.ts': 'nothing (PING)',
  'functions/gdpr/store/redis-personal-data.ts': 'deletes the keys above; bumps cache.<ns>.version epochs',
  'functions/deployments/saga-deps.ts': 'deploy.circuit (EVAL: HINCRBY, HSET, EXPIRE, DEL)',
  'functions/deployments/handlers/target-get.ts': 'nothing (reads deploy.circuit with EVAL: HGET)',
};

/** The declared pattern a key belongs to: the one with the longest matching prefix. */
export function classifyKey(key: string): RedisKeyPattern | undefined {
  let best: RedisKeyPattern | undefined;
  for (const pattern of REDIS_KEY_PATTERNS) {
    if (
      key.startsWith(pattern.prefix) &&
      (best === undefined || pattern.prefix.length > best.prefix.length)
    ) {
      best = pattern;
    }
  }
  return best;
}

/** What names one subject in key names: their user id, and the keyed hashes computed for them. */
export interface SubjectNeedles {
  readonly userId: string;
  /** Keyed hashes of `p:<userId>` and `acct:<email>` (none when the HMAC key is unavailable). */
  readonly hashes: readonly string[];
}

const ID_CHAR = /[A-Za-z0-9_-]/;

/** True when `key` names the subject: the user id as a whole segment, or one of their hashes. */
export function keyNamesSubject(key: string, needles: SubjectNeedles): boolean {
  const pattern = classifyKey(key);
  if (pattern === undefined) return false;
  if (pattern.identifies.includes('user-id-in-name') && containsSegment(key, needles.userId)) return true;
  const hashed =
    pattern.identifies.includes('principal-hash-in-name') ||
    pattern.identifies.includes('account-hash-in-name');
  return hashed && needles.hashes.some((hash) => containsSegment(key, hash));
}

/** `needle` occurs in `text` not as part of a longer id (`u1` is not in `u10`). */
function containsSegment(text: string, needle: string): boolean {
  if (needle === '') return false;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if ((before === undefined || !ID_CHAR.test(before)) && (after === undefined || !ID_CHAR.test(after))) {
      return true;
    }
  }
  return false;
}
