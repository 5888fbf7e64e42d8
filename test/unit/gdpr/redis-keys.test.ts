import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  CACHE_NAMESPACES,
  classifyKey,
  keyNamesSubject,
  REDIS_CLIENT_USERS,
  REDIS_KEY_PATTERNS,
  REDIS_KEY_PREFIXES,
  REDIS_KEY_ROOTS,
  SHARED_CACHED_ROUTES,
} from '#functions/gdpr/domain/redis-keys.ts';
import { REPO_ROOT } from '#lib/config/names.ts';
import * as namespaces from '#shared/cache/namespaces.ts';
import { keyedIdentifier, pairIdentifier, redisIdentifier } from '#shared/ratelimit/identifiers.ts';
import { RATE_LIMIT_PREFIX, SCOPES, type ScopeName } from '#shared/ratelimit/scopes.ts';
import { quietPowertools } from '../../support/apigw.ts';
import { world } from '../../support/cache-world.ts';
import { userPrincipal } from '../../support/fakes.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const FUNCTIONS = join(REPO_ROOT, 'functions');
/** Source without comments (which quote key layouts for people): code only. */
const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const sources = sourceFiles(FUNCTIONS).map((path) => ({
  path: relative(REPO_ROOT, path),
  text: withoutComments(readFileSync(path, 'utf8')),
}));

let cacheKey: typeof import('#shared/cache/response-cache.ts').cacheKey;
let createCache: typeof import('#shared/cache/two-level-cache.ts').createCache;
let routes: typeof import('#functions/routes.ts').routes;
let me: typeof import('#functions/auth/routes.ts').me;

before(async () => {
  quietPowertools();
  ({ cacheKey } = await import('#shared/cache/response-cache.ts'));
  ({ createCache } = await import('#shared/cache/two-level-cache.ts'));
  ({ routes } = await import('#functions/routes.ts'));
  ({ me } = await import('#functions/auth/routes.ts'));
});

describe('Redis key inventory: the code writes nothing it does not declare', () => {
  it('every Redis key literal in functions/ is a declared root or prefix', () => {
    // A quote or backtick, then `nimbus:` and the literal's fixed part (up to `${` or the quote).
    const literal = /['"`](nimbus:[^'"`$\s]*)/g;
    const undeclared: string[] = [];
    for (const { path, text } of sources) {
      for (const [, value = ''] of text.matchAll(literal)) {
        const declared =
          REDIS_KEY_ROOTS.some((root) => value === root || value.startsWith(root)) &&
          (REDIS_KEY_ROOTS.includes(value) || REDIS_KEY_PREFIXES.some((prefix) => value.startsWith(prefix)));
        if (!declared) undeclared.push(`${path}: ${value}`);
      }
    }
    assert.deepEqual(undeclared, []);
  });

  it('every createCache namespace is a constant of namespaces.ts that the inventory declares', () => {
    const constants = new Map(Object.entries(namespaces));
    const calls = /createCache\(\{[^}]*?namespace:\s*([^,}\s]+)/g;
    const seen: string[] = [];
    for (const { path, text } of sources) {
      if (path.endsWith('two-level-cache.ts')) continue; // the definition, not a use
      for (const [, argument = ''] of text.matchAll(calls)) {
        const value = constants.get(argument);
        assert.equal(
          typeof value,
          'string',
          `${path}: namespace ${argument} is not a constant of namespaces.ts`,
        );
        seen.push(String(value));
      }
    }
    assert.ok(seen.length >= 2, 'the scan found the response and authorizer caches');
    for (const namespace of seen) assert.ok(CACHE_NAMESPACES.includes(namespace), namespace);
  });

  it('only declared modules import the Redis client', () => {
    const importers = sources
      .filter(({ text }) => /from '[^']*clients\/redis\.ts'/.test(text))
      .map(({ path }) => path)
      .filter((path) => path !== 'functions/shared/clients/redis.ts')
      .sort();

    assert.deepEqual(importers, Object.keys(REDIS_CLIENT_USERS).sort());
    for (const path of Object.keys(REDIS_CLIENT_USERS)) assert.ok(existsSync(join(REPO_ROOT, path)), path);
  });

  it('a route cached for every caller alike is declared to hold no personal data', () => {
    const shared = routes
      .filter((route) => route.cache !== null && route.cache !== undefined && !route.cache.perPrincipal)
      .map((route) => route.id)
      .sort();

    assert.deepEqual(shared, [...SHARED_CACHED_ROUTES].sort());
  });

  it('declares one pattern per rate-limit scope and unique ids and prefixes', () => {
    for (const scope of Object.keys(SCOPES)) {
      assert.ok(classifyKey(`${RATE_LIMIT_PREFIX}${scope}:abc`)?.id === `ratelimit.${scope}`, scope);
    }
    assert.equal(new Set(REDIS_KEY_PATTERNS.map((p) => p.id)).size, REDIS_KEY_PATTERNS.length);
    assert.equal(new Set(REDIS_KEY_PREFIXES).size, REDIS_KEY_PREFIXES.length);
  });

  it('declares a personal pattern as erasable or expiring, and a TTL for all but the ones naming nobody', () => {
    for (const pattern of REDIS_KEY_PATTERNS) {
      if (pattern.identifies.length > 0) assert.notEqual(pattern.erasure, 'keep', pattern.id);
      if (pattern.maxTtlSeconds === null) assert.deepEqual(pattern.identifies, [], pattern.id);
    }
  });
});

describe('Redis key inventory: keys written by the real cache are declared and findable', () => {
  const userId = '0b9f3c1e-5f7a-4a51-9d43-2d1f7e8a6b10';
  const needles = { userId, hashes: [] };

  it('classifies every key the two-level cache writes for a per-principal response', async () => {
    const { redis, make } = world(createCache, { namespace: namespaces.RESPONSE_CACHE_NAMESPACE });
    const cache = make();
    const principal = userPrincipal({ id: userId });
    const key = cacheKey(me, { apiId: 'api1', path: '/v1/me', query: null, principal });

    await cache.get(key, { dataClass: 'user', userId, load: async () => ({ email: 'a@example.com' }) });
    await cache.invalidateUser(userId);
    await cache.delete(key);

    const written = [...redis.store.keys()];
    assert.ok(written.length >= 3);
    for (const name of written) assert.ok(classifyKey(name) !== undefined, `undeclared: ${name}`);
    const naming = written.filter((name) => keyNamesSubject(name, needles));
    // Everything but the namespace epoch names the user.
    assert.deepEqual(
      written.filter((name) => !naming.includes(name)),
      [`${namespaces.CACHE_PREFIX}${namespaces.RESPONSE_CACHE_NAMESPACE}:v:epoch`],
    );
  });

  it('finds an authorizer session verdict by the user id, never another user whose id extends it', () => {
    const key = `${namespaces.CACHE_PREFIX}${namespaces.AUTHORIZER_NAMESPACE}:e:session:${userId}:s1`;

    assert.equal(classifyKey(key)?.id, 'cache.authz.session');
    assert.equal(keyNamesSubject(key, needles), true);
    assert.equal(keyNamesSubject(`${key.replace(userId, `${userId}0`)}`, needles), false);
  });

  it('finds rate-limit counters by the keyed hash of the principal or account, not of an IP', () => {
    const secret = Buffer.from('k'.repeat(32));
    const account = keyedIdentifier(secret, 'acct:someone@example.com');
    const principal = keyedIdentifier(secret, `p:${userId}`);
    const subject = { userId, hashes: [principal, account] };
    const keyOf = (scope: ScopeName, identifier: string, window = ':2881') =>
      `${RATE_LIMIT_PREFIX}${scope}:${redisIdentifier(secret, identifier)}${window}`;

    assert.equal(
      keyNamesSubject(keyOf('auth_login', pairIdentifier('203.0.113.9', 'Someone@example.com ')), subject),
      true,
    );
    assert.equal(keyNamesSubject(keyOf('auth_login_account', 'acct:someone@example.com'), subject), true);
    assert.equal(keyNamesSubject(keyOf('api_general', `p:${userId}`, ''), subject), true);
    assert.equal(keyNamesSubject(keyOf('auth_login_ip', 'ip:203.0.113.9'), subject), false);
    assert.equal(keyNamesSubject(keyOf('auth_login_account', 'acct:other@example.com'), subject), false);
    // An IP-keyed scope cannot be searched by person: declared to expire by TTL.
    assert.equal(classifyKey(keyOf('auth_login_ip', 'ip:203.0.113.9'))?.erasure, 'expire');
  });
});
