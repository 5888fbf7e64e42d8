/**
 * Revocation and demotion reaching the authorizer through Redis: the real session and user stores
 * on the emulator's table, the real verdict cache on a private redis-server behind the Upstash REST
 * bridge (test/support/redis-sandbox.ts). The authorizer and the function that revokes are two
 * containers: they share nothing but Redis and the table. The verdict TTL is 30 s, as on cloud
 * stages, so only the invalidation can explain a refusal within ~1 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import type { ApiKeyLookup, AuthDeps } from '#functions/auth/deps.ts';
import { createAuthenticator } from '#functions/auth/use-cases/authenticate.ts';
import { setUserRoles } from '#functions/auth/use-cases/roles.ts';
import { startSession } from '#functions/auth/use-cases/session-tokens.ts';
import { revokeOwnSession } from '#functions/auth/use-cases/sessions.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { permissionsFor } from '#shared/rbac.ts';
import { quietPowertools } from '../../support/apigw.ts';
import { LOCAL_AUTH, META, storedUser, testAuthDeps } from '../../support/auth-deps.ts';
import { type RedisSandbox, startRedisSandbox } from '../../support/redis-sandbox.ts';

quietPowertools();
const { authorizerCache } = await import('#shared/cache/authorizer-cache.ts');

const TTL_SECONDS = 30;
// The stated bound (1 s) plus room for a slow machine; far below the TTL.
const WITHIN_BOUND_MS = 1_200;
const NO_KEYS: ApiKeyLookup = { fingerprint: () => null, find: async () => undefined, touch: async () => {} };

let sandbox: RedisSandbox | undefined;
before(async () => {
  sandbox = await startRedisSandbox();
});
after(async () => {
  await sandbox?.close();
});

/** A container's view of the sandbox: its own client and its own verdict cache. */
function container() {
  assert.ok(sandbox, 'sandbox started');
  const redis = new Redis({
    url: sandbox.url,
    token: sandbox.token,
    retry: { retries: 0 },
    enableTelemetry: false,
  });
  return authorizerCache(TTL_SECONDS, { redis: () => redis });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A logged-in user, an authorizer container and a revoking container (logout, set-roles). */
async function world(roles: readonly string[] = ['developer']) {
  const { deps: base } = await testAuthDeps();
  const revoker = container();
  const deps: AuthDeps = { ...base, invalidateUser: (userId) => revoker.invalidateUser(userId) };
  const user = await storedUser(deps, roles);
  const login = await startSession(deps, user, META);
  const authenticator = createAuthenticator({
    config: { ...LOCAL_AUTH, authorizerCacheSeconds: TTL_SECONDS },
    keyring: deps.keyring,
    now: () => new Date(),
    users: deps.users,
    sessions: deps.sessions,
    apiKeys: NO_KEYS,
    verdicts: container(),
  });
  const headers = { authorization: `Bearer ${login.accessToken}` };
  return { deps, user, login, headers, authenticator };
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

    await setUserRoles(deps, 'it-admin', user.id, ['viewer'], 'it-demote');
    await sleep(WITHIN_BOUND_MS);
    const after = await authenticator.authenticate(headers);

    assert.deepEqual(before.permissions, ['*']);
    assert.deepEqual(after.permissions, permissionsFor(['viewer']));
  });

  it('with Redis down, reads the table again after 5 s: a revocation it could not hear is still applied', async () => {
    const { deps, user, login, headers, authenticator } = await world();
    await authenticator.authenticate(headers);
    assert.ok(sandbox, 'sandbox started');
    await sandbox.stopRedis();
    try {
      // The revoker cannot signal: only the table knows.
      await revokeOwnSession(deps, user.id, login.sessionId, 'logout', 'it-logout-redis-down');
      await sleep(5_200);

      await refused(authenticator.authenticate(headers), 'session-revoked');
    } finally {
      await sandbox.startRedis();
    }
  });
});
