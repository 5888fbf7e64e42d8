/**
 * Revocation and demotion reaching the authorizer through Redis: the real session and user stores
 * on the local stack's table, the real verdict cache on the local stack's Redis (its Upstash REST
 * endpoint; entries are keyed by fresh user ids). The authorizer and the function that revokes are
 * two containers: they share nothing but Redis and the table. The verdict TTL is 30 s, as on cloud
 * stages, so only the invalidation can explain a refusal within ~1 s.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import type { ApiKeyLookup, AuthDeps } from '#functions/auth/deps.ts';
import { createAuthenticator } from '#functions/auth/use-cases/authenticate.ts';
import { setUserRoles } from '#functions/auth/use-cases/roles.ts';
import { startSession } from '#functions/auth/use-cases/session-tokens.ts';
import { revokeOwnSession } from '#functions/auth/use-cases/sessions.ts';
import type { CacheRedis } from '#shared/cache/two-level-cache.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { permissionsFor } from '#shared/rbac.ts';
import { quietPowertools } from '../../support/apigw.ts';
import { LOCAL_AUTH, META, storedUser, testAuthDeps } from '../../support/auth-deps.ts';
import { userPrincipal } from '../../support/fakes.ts';

quietPowertools();
const { authorizerCache } = await import('#shared/cache/authorizer-cache.ts');

const TTL_SECONDS = 30;
// The stated bound (1 s) plus room for a slow machine; far below the TTL.
const WITHIN_BOUND_MS = 1_200;
const NO_KEYS: ApiKeyLookup = { fingerprint: () => null, find: async () => undefined, touch: async () => {} };

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} must be set: source /work/stack-env.sh or run through npm test`);
  return value;
}
const REDIS_URL = requiredEnv('UPSTASH_REDIS_REST_URL');
const REDIS_TOKEN = requiredEnv('UPSTASH_REDIS_REST_TOKEN');

/**
 * A container's view of Redis: its own client and its own verdict cache. `unreachable` makes every
 * command of this container fail at once, as a network partition would, without touching Redis.
 */
function container() {
  const client = new Redis({
    url: REDIS_URL,
    token: REDIS_TOKEN,
    retry: { retries: 0 },
    enableTelemetry: false,
  });
  const network = { unreachable: false };
  // Every command goes through here: refused at once while the partition lasts.
  const reach = (): Redis => {
    if (network.unreachable) throw new Error('redis unreachable (simulated partition)');
    return client;
  };
  const redis: CacheRedis = {
    mget: async (keys) => reach().mget(keys),
    set: async (key, value, opts) => reach().set(key, value, opts),
    del: async (...keys) => reach().del(...keys),
    ping: async () => reach().ping(),
  };
  return { cache: authorizerCache(TTL_SECONDS, { redis: () => redis }), network };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A logged-in user, an authorizer container and a revoking container (logout, set-roles). */
async function world(roles: readonly string[] = ['developer']) {
  const { deps: base } = await testAuthDeps();
  const revoker = container();
  const authorizer = container();
  const deps: AuthDeps = { ...base, invalidateUser: (userId) => revoker.cache.invalidateUser(userId) };
  const user = await storedUser(deps, roles);
  const login = await startSession(deps, user, META);
  const authenticator = createAuthenticator({
    config: { ...LOCAL_AUTH, authorizerCacheSeconds: TTL_SECONDS },
    keyring: deps.keyring,
    now: () => new Date(),
    users: deps.users,
    sessions: deps.sessions,
    apiKeys: NO_KEYS,
    verdicts: authorizer.cache,
  });
  const headers = { authorization: `Bearer ${login.accessToken}` };
  return { deps, user, login, headers, authenticator, revoker, authorizer };
}

async function refused(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) => error instanceof AuthenticationFailedError && error.code === code,
  );
}

describe('the authorizer follows revocations through Redis', () => {
  it('refuses the access token of a logged-out session within the bound, not the 30 s TTL', async () => {
    const { deps, user, login, headers, authenticator } = await world();
    await authenticator.authenticate(headers);

    await revokeOwnSession(deps, user.id, login.sessionId, 'logout', 'it-logout');
    await sleep(WITHIN_BOUND_MS);

    await refused(authenticator.authenticate(headers), 'session-revoked');
  });

  it('cuts a demoted admin token down to the new roles within the bound', async () => {
    const { deps, user, headers, authenticator } = await world(['admin']);
    const before = await authenticator.authenticate(headers);

    const admin = userPrincipal({
      id: 'it-admin',
      permissions: ['*'],
      authTime: Math.floor(Date.now() / 1000),
    });
    const change = { caller: admin, password: undefined, ip: null, correlationId: 'it-demote' };
    await setUserRoles(deps, change, user.id, ['viewer']);
    await sleep(WITHIN_BOUND_MS);
    const after = await authenticator.authenticate(headers);

    assert.deepEqual(before.permissions, ['*']);
    assert.deepEqual(after.permissions, permissionsFor(['viewer']));
  });

  it('with Redis unreachable, reads the table again after 5 s: a revocation it could not hear is applied', async () => {
    const { deps, user, login, headers, authenticator, revoker, authorizer } = await world();
    await authenticator.authenticate(headers);
    revoker.network.unreachable = true;
    authorizer.network.unreachable = true;

    // The revoker cannot signal: only the table knows.
    await revokeOwnSession(deps, user.id, login.sessionId, 'logout', 'it-logout-redis-down');
    await sleep(5_200);

    await refused(authenticator.authenticate(headers), 'session-revoked');
  });
});
