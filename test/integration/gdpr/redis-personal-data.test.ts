import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import type { DataSubject, PersonalDataStore } from '../../../functions/gdpr/domain/personal-data.ts';
import { redisPersonalDataStore } from '../../../functions/gdpr/store/redis-personal-data.ts';
import { rateLimitEnvironment } from '../../../functions/shared/config/rate-limits.ts';
import { redisSettingsFromEnv } from '../../../functions/shared/config/redis.ts';
import type { Principal } from '../../../functions/shared/http/principal.ts';
import { userPrincipal } from '../../support/fakes.ts';

// Two users seeded through the real code paths (response cache, authorizer verdict cache, user
// invalidation, route limiter) on the shared stack's Redis, one of them erased. Every id, email and
// IP is fresh to this run, so other suites sharing the Redis neither see nor disturb them.
type ResponseCache = typeof import('../../../functions/shared/cache/response-cache.ts');
type AuthorizerCache = typeof import('../../../functions/shared/cache/authorizer-cache.ts');
type RouteLimits = typeof import('../../../functions/shared/ratelimit/route-limits.ts');
type AuthRoutes = typeof import('../../../functions/auth/routes.ts');

let http: ResponseCache;
let authz: AuthorizerCache;
let limits: RouteLimits;
let authRoutes: AuthRoutes;
let redis: Redis;
let store: PersonalDataStore;

const identifierKey = `it-${randomUUID()}`;
const run = randomBytes(3).toString('hex');
const person = (name: string) => ({
  userId: randomUUID(),
  email: `it-${name}-${run}@gdpr.nimbus.test`,
  ip: `2001:db8:${run.slice(0, 4)}::${randomBytes(2).toString('hex')}`,
});
const ada = person('ada');
const bob = person('bob');
const subject = (p: typeof ada): DataSubject => ({ userId: p.userId, email: p.email });

const principalOf = (userId: string): Principal =>
  userPrincipal({ id: userId, roles: ['user'], permissions: ['profile:read'], orgId: 'org_it' });

let produced = 0;
/** GET /v1/me through the response cache, as the pipeline serves it. */
async function getMe(p: typeof ada) {
  return http.cachedResponse(
    authRoutes.me,
    {
      apiId: `it-${run}`,
      path: '/v1/me',
      query: null,
      principal: principalOf(p.userId),
      ifNoneMatch: undefined,
    },
    async () => {
      produced += 1;
      return {
        statusCode: 200,
        headers: {},
        body: JSON.stringify({ id: p.userId, email: p.email, name: 'Ada' }),
      };
    },
  );
}

async function seed(p: typeof ada): Promise<void> {
  await getMe(p);
  const verdicts = authz.authorizerCache(30);
  await verdicts.get(`session:${p.userId}:${randomUUID()}`, {
    dataClass: 'credentials',
    userId: p.userId,
    load: async () => ({ revoked: false, absoluteExpiresAt: 2_000_000_000, roles: ['user'] }),
  });
  // An API-key verdict: named by the key id, tagged with its owner.
  await verdicts.get(`apikey:key-${randomUUID()}:1`, {
    dataClass: 'credentials',
    userId: p.userId,
    load: async () => ({ revoked: false, expiresAt: null, ownerRoles: ['user'], orgId: 'org_it' }),
  });
  await authz.invalidateUserEverywhere(p.userId);
  const login = { sourceIp: p.ip, principal: null, body: { email: p.email } };
  await limits.enforceRouteLimits(authRoutes.login, login);
  await limits.enforceRouteLimits(authRoutes.me, {
    sourceIp: p.ip,
    principal: principalOf(p.userId),
    body: undefined,
  });
}

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, { match: 'nimbus:*', count: 1000 });
    cursor = String(next);
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

before(async () => {
  const { restUrl, token } = redisSettingsFromEnv();
  if (token === undefined)
    throw new Error('UPSTASH_REDIS_REST_TOKEN must be set (source /work/stack-env.sh)');
  redis = new Redis({ url: restUrl, token });
  Object.assign(process.env, {
    ...rateLimitEnvironment({ overrides: { global: { limit: 100_000 } }, identifierKey }),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Imported after the environment is set: these read it at module scope, as in a Lambda.
  http = await import('../../../functions/shared/cache/response-cache.ts');
  authz = await import('../../../functions/shared/cache/authorizer-cache.ts');
  limits = await import('../../../functions/shared/ratelimit/route-limits.ts');
  authRoutes = await import('../../../functions/auth/routes.ts');
  store = redisPersonalDataStore({
    redis: async () => redis,
    identifierKey: async () => Buffer.from(identifierKey, 'utf8'),
    scanCount: 200,
    batchSize: 3,
  });
  await seed(ada);
  await seed(bob);
});

describe('Redis personal data (GDPR)', () => {
  it('exports what Redis holds of one user (counts, their cached profile), nothing of another', async () => {
    const exported = (await store.export(subject(ada))) as {
      keys: Record<string, number>;
      entries: { pattern: string; value: unknown }[];
    };
    const text = JSON.stringify(exported);

    assert.ok(text.includes(ada.email), 'the cached /v1/me body is part of the export');
    assert.ok(!text.includes(bob.email) && !text.includes(bob.userId));
    for (const id of [
      'cache.http.entry',
      'cache.http.version',
      'cache.authz.session',
      'cache.authz.apikey',
      'cache.authz.version',
      'ratelimit.auth_login',
      'ratelimit.auth_login_account',
      'ratelimit.api_general',
    ]) {
      assert.ok((exported.keys[id] ?? 0) > 0, `${id} in ${JSON.stringify(exported.keys)}`);
    }
  });

  it('erases every key of one user, keeps the other user’s, and a second run erases nothing', async () => {
    const before = await store.verify(subject(ada));
    const bobBefore = await store.verify(subject(bob));
    assert.ok(before >= 8, `seeded keys found: ${before}`);

    const report = await store.erase(subject(ada));

    assert.equal(report.items, before);
    assert.ok(report.fields.erased.includes('cache.authz.apikey'));
    assert.equal(await store.verify(subject(ada)), 0);
    assert.equal(await store.verify(subject(bob)), bobBefore);
    const left = await allKeys();
    assert.deepEqual(
      left.filter((key) => key.includes(ada.userId) || key.includes(ada.email) || key.includes(ada.ip)),
      [],
    );
    assert.ok(left.some((key) => key.includes(bob.userId)));
    assert.equal((await store.erase(subject(ada))).items, 0);
  });

  it('makes every container drop its in-memory copy: the next read loads afresh', async () => {
    // A user never invalidated (no user version in Redis), whose profile this process (a container)
    // holds in L1: deleting the Redis keys alone would leave that copy valid.
    const cy = person('cy');
    await getMe(cy);
    assert.equal((await getMe(cy)).headers?.['x-cache'], 'l1');
    const loadsBefore = produced;

    await store.erase(subject(cy));
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past tagVersionCacheMs (1 s)
    const response = await getMe(cy);

    assert.equal(response.headers?.['x-cache'], 'loader');
    assert.equal(produced, loadsBefore + 1);
    for (const p of [cy, bob]) await store.erase(subject(p)); // leave nothing behind
    assert.equal(await store.verify(subject(cy)), 0);
  });
});
