import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ApiKeyGrant, ApiKeyLookup, AuthenticatorDeps } from '#functions/auth/deps.ts';
import { SIGNING_KEYS_TAG } from '#functions/auth/domain/cache-tags.ts';
import { createTokenIssuer, generateSigningKey, type KeySet } from '#functions/auth/domain/jwt.ts';
import { followKeyring, type Keyring, UNKNOWN_KID_RELOAD_MS } from '#functions/auth/store/keyring.ts';
import type { Session } from '#functions/auth/store/sessions.ts';
import { NO_TOTP, type User } from '#functions/auth/store/users.ts';
import { createAuthenticator } from '#functions/auth/use-cases/authenticate.ts';
import { authorizerCache } from '#shared/cache/authorizer-cache.ts';
import { createCache } from '#shared/cache/two-level-cache.ts';
import { API_KEY_PERMISSIONS, isApiKeyPermission, PERMISSIONS, permissionsFor } from '#shared/rbac.ts';
import { refusedWith, staticKeyring, UNIT_AUTH } from '../../support/auth-unit.ts';
import { Clock, FakeRedis } from '../../support/fake-redis.ts';
import type { ManualClock } from '../../support/fakes.ts';

// The password login the test tokens claim; the principal carries it for step-up.
const AUTH_TIME = 1_767_225_600;

const CONFIG = UNIT_AUTH;
const CACHE_SECONDS = CONFIG.authorizerCacheSeconds;
const VALID_KEY = 'key-valid';
// How late another container's invalidation may be seen: the cache's tag-version bound.
const BOUND_MS = 1_000;

let keySet: KeySet;
before(async () => {
  keySet = { keys: [await generateSigningKey(new Date('2026-01-01T00:00:00Z'))] };
});

function userOf(id: string, roles: readonly string[]): User {
  return {
    id,
    email: `${id}@nimbus.test`,
    name: id,
    passwordHash: 'unused',
    roles,
    orgId: `org-of-${id}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    totp: NO_TOTP,
  };
}

/** One container's view of the shared fake Redis and clock. */
interface CacheOn {
  readonly redis: () => FakeRedis;
  readonly now: () => number;
}

/**
 * The authenticator over in-memory ports and the real verdict cache on a fake Redis, with counters
 * of what it read and wrote. `invalidateUser` is what another function's container (logout,
 * set-roles, key revoke) does: it reaches this container through Redis only.
 */
function harness(options: { keyring?: (cacheOn: CacheOn) => () => Promise<Keyring> } = {}) {
  const time = new Clock(Date.parse('2026-01-01T12:00:00.000Z'));
  const clock: ManualClock = { now: () => new Date(time.now()), advance: (ms) => time.advance(ms) };
  const redis = new FakeRedis(time);
  const cacheOn: CacheOn = { redis: () => redis, now: time.now };
  const elsewhere = authorizerCache(CACHE_SECONDS, cacheOn);
  const nowMs = () => clock.now().getTime();
  const keyring = staticKeyring(keySet, nowMs);
  const users = new Map<string, User>();
  const sessions = new Map<string, Session>();
  const grants = new Map<string, ApiKeyGrant>();
  const reads = { sessions: 0, keys: 0, users: 0 };
  const touches: { fingerprint: string; at: string; staleBefore: string }[] = [];
  const apiKeys: ApiKeyLookup = {
    // Fake format: anything starting `key-` is shaped like a key; its fingerprint is derived.
    fingerprint: (presented) => (presented.startsWith('key-') ? `fp:${presented}` : null),
    find: async (fingerprint) => {
      reads.keys++;
      return grants.get(fingerprint);
    },
    touch: async (fingerprint, at, staleBefore) => {
      touches.push({ fingerprint, at, staleBefore });
    },
  };
  const deps: AuthenticatorDeps = {
    config: CONFIG,
    keyring: options.keyring?.(cacheOn) ?? (async () => keyring),
    now: clock.now,
    users: {
      get: async (id) => {
        reads.users++;
        return users.get(id);
      },
    },
    sessions: {
      get: async (userId, sessionId) => {
        reads.sessions++;
        return sessions.get(`${userId}/${sessionId}`);
      },
    },
    apiKeys,
    verdicts: authorizerCache(CACHE_SECONDS, cacheOn),
  };
  const nowSeconds = () => Math.floor(nowMs() / 1000);

  return {
    clock,
    redis,
    reads,
    touches,
    elsewhere,
    authenticator: createAuthenticator(deps),
    invalidateUser: (userId: string) => elsewhere.invalidateUser(userId),
    addUser(id: string, roles: readonly string[]) {
      users.set(id, userOf(id, roles));
    },
    revokeKey(presented: string) {
      const grant = grants.get(`fp:${presented}`);
      if (grant) grants.set(`fp:${presented}`, { ...grant, revokedAt: clock.now().toISOString() });
    },
    /** A session of a user (a developer unless added before). */
    setSession(userId: string, sessionId: string, change: Partial<Session> = {}) {
      if (!users.has(userId)) users.set(userId, userOf(userId, ['developer']));
      sessions.set(`${userId}/${sessionId}`, {
        sessionId,
        userId,
        createdAt: clock.now().toISOString(),
        lastUsedAt: clock.now().toISOString(),
        absoluteExpiresAt: nowSeconds() + CONFIG.refreshAbsoluteSeconds,
        revokedAt: null,
        revokedReason: null,
        userAgent: null,
        ip: null,
        ...change,
      });
    },
    addKey(presented: string, grant: Partial<ApiKeyGrant> & Pick<ApiKeyGrant, 'ownerId'>) {
      grants.set(`fp:${presented}`, {
        id: `id-of-${presented}`,
        permissions: ['deployments:read'],
        expiresAt: null,
        revokedAt: null,
        generation: 0,
        ...grant,
      });
    },
    async tokenFor(
      userId: string,
      sessionId: string,
      permissions: string[] = ['profile:read'],
      roles: string[] = ['developer'],
    ) {
      const issued = await keyring.issuer.issue({
        sub: userId,
        roles,
        permissions,
        session_id: sessionId,
        org_id: 'org-1',
        auth_time: AUTH_TIME,
      });
      return issued.token;
    },
  };
}

describe('createAuthenticator: bearer tokens', () => {
  it('turns a valid token of a live session into the user principal the token describes', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1');
    const token = await h.tokenFor('user-1', 'session-1', ['deployments:read', 'profile:read']);

    const principal = await h.authenticator.authenticate({ authorization: `Bearer ${token}` });

    assert.deepEqual(principal, {
      id: 'user-1',
      kind: 'user',
      roles: ['developer'],
      permissions: ['deployments:read', 'profile:read'],
      sessionId: 'session-1',
      orgId: 'org-1',
      authTime: AUTH_TIME,
      keyId: null,
    });
  });

  it('refuses an Authorization header that is not `Bearer <jwt>`', async () => {
    const h = harness();

    await refusedWith(
      h.authenticator.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }),
      'authorization-malformed',
    );
    await refusedWith(
      h.authenticator.authenticate({ authorization: 'Bearer not-a-jwt' }),
      'authorization-malformed',
    );
  });

  it('refuses an expired token, naming the verifier reason', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1');
    const token = await h.tokenFor('user-1', 'session-1');
    h.clock.advance((CONFIG.accessTokenTtlSeconds + 1) * 1000);

    await refusedWith(h.authenticator.authenticate({ authorization: `Bearer ${token}` }), 'token-expired');
  });

  it('refuses a valid token whose session was revoked, or is unknown, or is past its absolute end', async () => {
    const h = harness();
    h.setSession('user-1', 'revoked', { revokedAt: '2026-01-01T11:00:00.000Z' });
    h.setSession('user-1', 'ended', { absoluteExpiresAt: Math.floor(h.clock.now().getTime() / 1000) });

    for (const sessionId of ['revoked', 'unknown', 'ended']) {
      const token = await h.tokenFor('user-1', sessionId);
      await refusedWith(
        h.authenticator.authenticate({ authorization: `Bearer ${token}` }),
        'session-revoked',
      );
    }
  });

  it('keeps a verdict whose invalidation was lost until the cache time has passed, then sees the revocation', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1');
    const headers = { authorization: `Bearer ${await h.tokenFor('user-1', 'session-1')}` };
    await h.authenticator.authenticate(headers);
    h.setSession('user-1', 'session-1', { revokedAt: h.clock.now().toISOString() });

    h.clock.advance(CACHE_SECONDS * 1000 - 1);
    const stillCached = await h.authenticator.authenticate(headers);
    h.clock.advance(1);
    const afterTtl = h.authenticator.authenticate(headers);

    assert.equal(stillCached.sessionId, 'session-1');
    await refusedWith(afterTtl, 'session-revoked');
    assert.equal(h.reads.sessions, 2);
  });

  it('keeps a revoked session refused for the cache time without reading it again', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1', { revokedAt: '2026-01-01T11:00:00.000Z' });
    const headers = { authorization: `Bearer ${await h.tokenFor('user-1', 'session-1')}` };

    await refusedWith(h.authenticator.authenticate(headers), 'session-revoked');
    await refusedWith(h.authenticator.authenticate(headers), 'session-revoked');

    assert.equal(h.reads.sessions, 1);
  });

  it('refuses a request with neither header', async () => {
    await refusedWith(harness().authenticator.authenticate({}), 'no-credentials');
  });
});

describe('createAuthenticator: API keys', () => {
  it('turns a usable key into a service principal of its owner and records the use', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1', permissions: ['deployments:read', 'deployments:write'] });

    const principal = await h.authenticator.authenticate({ 'x-api-key': ` ${VALID_KEY} ` });

    assert.deepEqual(principal, {
      id: 'owner-1',
      kind: 'api-key',
      roles: ['service'],
      permissions: ['deployments:read', 'deployments:write'],
      sessionId: null,
      orgId: 'org-of-owner-1',
      authTime: null,
      keyId: `id-of-${VALID_KEY}`,
    });
    assert.deepEqual(h.touches, [
      {
        fingerprint: `fp:${VALID_KEY}`,
        at: '2026-01-01T12:00:00.000Z',
        staleBefore: '2026-01-01T11:59:00.000Z',
      },
    ]);
  });

  it('drops the key permissions its owner no longer holds (an owner demoted since creation)', async () => {
    const h = harness();
    h.addUser('owner-1', ['viewer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1', permissions: ['deployments:read', 'deployments:write'] });

    const principal = await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    assert.deepEqual(principal.permissions, ['deployments:read']);
  });

  it('keeps every service permission of a key whose owner holds `*`', async () => {
    const h = harness();
    h.addUser('owner-1', ['admin']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1', permissions: [...API_KEY_PERMISSIONS] });

    const principal = await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    assert.deepEqual(principal.permissions, [...API_KEY_PERMISSIONS].sort());
  });

  it('drops from an existing key every permission keys may not carry, even for an owner holding `*`', async () => {
    const h = harness();
    h.addUser('owner-1', ['admin']);
    // A row written before keys were limited to service permissions (or planted in the table).
    const personal = [...PERMISSIONS.filter((p) => !isApiKeyPermission(p)), '*'];
    h.addKey(VALID_KEY, { ownerId: 'owner-1', permissions: [...personal, 'deployments:read'] });

    const principal = await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    assert.deepEqual(principal.permissions, ['deployments:read']);
  });

  it('refuses a revoked key, an expired key, an unknown key and a key whose owner is gone', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey('key-revoked', { ownerId: 'owner-1', revokedAt: '2026-01-01T11:00:00.000Z' });
    h.addKey('key-expired', { ownerId: 'owner-1', expiresAt: '2026-01-01T12:00:00.000Z' });
    h.addKey('key-orphan', { ownerId: 'deleted-user' });

    for (const key of ['key-revoked', 'key-expired', 'key-unknown', 'key-orphan']) {
      await refusedWith(h.authenticator.authenticate({ 'x-api-key': key }), 'key-invalid');
    }
    assert.deepEqual(h.touches, []);
  });

  it('refuses a value not shaped like a key without looking it up', async () => {
    const h = harness();

    await refusedWith(h.authenticator.authenticate({ 'x-api-key': 'nmb_live_short' }), 'key-malformed');

    assert.equal(h.reads.keys, 0);
  });

  it('answers a known key from its cache for the cache time, then reads it again', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1' });

    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });
    h.clock.advance(CACHE_SECONDS * 1000 - 1);
    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });
    const readsWithinTtl = h.reads.keys;
    h.clock.advance(1);
    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    // First use: the key's fixed facts, then its verdict. After the TTL: the verdict only.
    assert.equal(readsWithinTtl, 2);
    assert.equal(h.reads.keys, 3);
  });

  it('remembers an unknown key only briefly, so a key created just after becomes usable within seconds', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);

    await refusedWith(h.authenticator.authenticate({ 'x-api-key': VALID_KEY }), 'key-invalid');
    h.addKey(VALID_KEY, { ownerId: 'owner-1' });
    h.clock.advance(4_999);
    await refusedWith(h.authenticator.authenticate({ 'x-api-key': VALID_KEY }), 'key-invalid');
    const readsWhileMissCached = h.reads.keys;
    h.clock.advance(1);
    const principal = await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    assert.equal(readsWhileMissCached, 1);
    assert.equal(principal.keyId, `id-of-${VALID_KEY}`);
  });
});

describe('createAuthenticator: authorization follows changes within the bound', () => {
  it('cuts a demoted user token down to what the new roles grant, within 1 s of the role change', async () => {
    const h = harness();
    h.addUser('user-1', ['admin']);
    h.setSession('user-1', 'session-1');
    const headers = { authorization: `Bearer ${await h.tokenFor('user-1', 'session-1', ['*'], ['admin'])}` };
    const before = await h.authenticator.authenticate(headers);

    h.addUser('user-1', ['viewer']);
    await h.invalidateUser('user-1');
    h.clock.advance(BOUND_MS);
    const after = await h.authenticator.authenticate(headers);

    assert.deepEqual(before.permissions, ['*']);
    assert.deepEqual(after.permissions, permissionsFor(['viewer']));
    assert.deepEqual(after.roles, []);
  });

  it('refuses the token of a session logged out elsewhere within 1 s, at no extra cost until then', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1');
    const headers = { authorization: `Bearer ${await h.tokenFor('user-1', 'session-1')}` };
    await h.authenticator.authenticate(headers);
    const redisCalls = h.redis.calls.length;
    const tableReads = h.reads.sessions + h.reads.users;
    // The hot path while nothing changed: no Redis round trip, no table read.
    for (let i = 0; i < 10; i++) {
      h.clock.advance(BOUND_MS / 20);
      await h.authenticator.authenticate(headers);
    }
    const quiet = {
      redis: h.redis.calls.length - redisCalls,
      table: h.reads.sessions + h.reads.users - tableReads,
    };

    h.setSession('user-1', 'session-1', { revokedAt: h.clock.now().toISOString(), revokedReason: 'logout' });
    await h.invalidateUser('user-1');
    h.clock.advance(BOUND_MS);

    await refusedWith(h.authenticator.authenticate(headers), 'session-revoked');
    assert.deepEqual(quiet, { redis: 0, table: 0 });
  });

  it('refuses a key revoked elsewhere within 1 s', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1' });
    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    h.revokeKey(VALID_KEY);
    await h.invalidateUser('owner-1');
    h.clock.advance(BOUND_MS);

    await refusedWith(h.authenticator.authenticate({ 'x-api-key': VALID_KEY }), 'key-invalid');
  });

  it('narrows a key to what its demoted owner holds within 1 s', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1', permissions: ['deployments:read', 'deployments:write'] });
    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    h.addUser('owner-1', ['viewer']);
    await h.invalidateUser('owner-1');
    h.clock.advance(BOUND_MS);
    const after = await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });

    assert.deepEqual(after.permissions, ['deployments:read']);
  });

  it('refuses a key at its expiry even while its verdict is cached, without reading it again', async () => {
    const h = harness();
    h.addUser('owner-1', ['developer']);
    h.addKey(VALID_KEY, { ownerId: 'owner-1', expiresAt: '2026-01-01T12:00:10.000Z' });
    await h.authenticator.authenticate({ 'x-api-key': VALID_KEY });
    const readsBefore = h.reads.keys;

    h.clock.advance(10_000);

    await refusedWith(h.authenticator.authenticate({ 'x-api-key': VALID_KEY }), 'key-invalid');
    assert.equal(h.reads.keys, readsBefore);
  });

  it('with Redis unreachable, trusts a cached verdict at most 5 s, then reads the table (fail safe)', async () => {
    const h = harness();
    h.setSession('user-1', 'session-1');
    h.setSession('user-2', 'session-2');
    const revoked = { authorization: `Bearer ${await h.tokenFor('user-1', 'session-1')}` };
    const live = { authorization: `Bearer ${await h.tokenFor('user-2', 'session-2')}` };
    await h.authenticator.authenticate(revoked);
    await h.authenticator.authenticate(live);

    h.redis.mode = 'down';
    // The revocation cannot be signalled while Redis is down: only the table knows.
    h.setSession('user-1', 'session-1', { revokedAt: h.clock.now().toISOString() });
    h.clock.advance(5_001);

    await refusedWith(h.authenticator.authenticate(revoked), 'session-revoked');
    assert.equal((await h.authenticator.authenticate(live)).id, 'user-2');
  });
});

const USER_1_CLAIMS = {
  sub: 'user-1',
  roles: ['developer'],
  permissions: ['profile:read'],
  session_id: 'session-1',
  auth_time: AUTH_TIME,
  org_id: 'org-1',
};

describe('createAuthenticator: signing keys follow the key set', () => {
  it('refuses a token signed with a key removed from the set within 1 s, in a container that verified it', async () => {
    const kept = await generateSigningKey(new Date('2026-01-01T00:00:00Z'));
    const removed = await generateSigningKey(new Date('2026-01-01T00:00:00Z'), 'previous');
    let stored: KeySet = { keys: [kept, removed] };
    let signWithRemoved: Keyring['issuer'] | undefined;
    // Another container (the one running a rotation step) bumps the tag in the response cache's namespace.
    let elsewhere: ReturnType<typeof createCache> | undefined;
    const h = harness({
      keyring: (cacheOn) => {
        const responses = createCache({ ...cacheOn, namespace: 'http' });
        elsewhere = createCache({ ...cacheOn, namespace: 'http' });
        signWithRemoved = createTokenIssuer({
          keySet: { keys: [{ ...removed, status: 'current' }] },
          ...CONFIG,
          ttlSeconds: CONFIG.accessTokenTtlSeconds,
          now: cacheOn.now,
        });
        return followKeyring(CONFIG, {
          load: async () => stored,
          version: () => responses.tagVersion(SIGNING_KEYS_TAG),
          now: cacheOn.now,
        });
      },
    });
    h.setSession('user-1', 'session-1');
    assert.ok(signWithRemoved && elsewhere, 'the harness built the keyring');
    const { token } = await signWithRemoved.issue(USER_1_CLAIMS);
    const headers = { authorization: `Bearer ${token}` };
    await h.authenticator.authenticate(headers);

    stored = { keys: [kept] };
    await elsewhere.invalidateTags([SIGNING_KEYS_TAG]);
    h.clock.advance(BOUND_MS);

    await refusedWith(h.authenticator.authenticate(headers), 'token-kid');
  });

  it('verifies at once a token of a key this container has not loaded yet, re-reading the set at most once per interval', async () => {
    const old = await generateSigningKey(new Date('2026-01-01T00:00:00Z'));
    const next = await generateSigningKey(new Date('2026-01-01T00:00:00Z'));
    let stored: KeySet = { keys: [old] };
    let loads = 0;
    let signWithNext: Keyring['issuer'] | undefined;
    const h = harness({
      keyring: (cacheOn) => {
        signWithNext = createTokenIssuer({
          keySet: { keys: [next] },
          ...CONFIG,
          ttlSeconds: CONFIG.accessTokenTtlSeconds,
          now: cacheOn.now,
        });
        // The tag never moves here: this container has not seen the rotation another one ran.
        return followKeyring(CONFIG, {
          load: async () => {
            loads++;
            return stored;
          },
          version: async () => 'unchanged',
          now: cacheOn.now,
        });
      },
    });
    h.setSession('user-1', 'session-1');
    assert.ok(signWithNext, 'the harness built the keyring');
    const nextKeyToken = { authorization: `Bearer ${(await signWithNext.issue(USER_1_CLAIMS)).token}` };
    // Warm: the ring holds only the old key.
    await refusedWith(h.authenticator.authenticate(nextKeyToken), 'token-kid');
    const loadsAfterFirstUnknown = loads;
    for (let i = 0; i < 20; i++) await refusedWith(h.authenticator.authenticate(nextKeyToken), 'token-kid');
    const loadsWithinInterval = loads;

    // The key becomes current elsewhere; a token it signed arrives before this container sees the tag.
    stored = {
      keys: [
        { ...next, status: 'current' },
        { ...old, status: 'previous' },
      ],
    };
    h.clock.advance(UNKNOWN_KID_RELOAD_MS);
    const principal = await h.authenticator.authenticate(nextKeyToken);

    assert.equal(loadsAfterFirstUnknown, 2, 'first load, then one re-read for the unknown kid');
    assert.equal(loadsWithinInterval, 2, 'no more re-reads within the interval however many unknown kids');
    assert.equal(principal.id, 'user-1');
    assert.equal(loads, 3);
  });
});
