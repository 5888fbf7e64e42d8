import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AuthConfig } from '#functions/auth/config.ts';
import type { ApiKeyGrant, ApiKeyLookup, AuthenticatorDeps } from '#functions/auth/deps.ts';
import {
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  jwksOf,
  type KeySet,
} from '#functions/auth/domain/jwt.ts';
import type { Keyring } from '#functions/auth/store/keyring.ts';
import type { Session } from '#functions/auth/store/sessions.ts';
import { NO_TOTP, type User } from '#functions/auth/store/users.ts';
import { createAuthenticator } from '#functions/auth/use-cases/authenticate.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import { API_KEY_PERMISSIONS, isApiKeyPermission, PERMISSIONS } from '#shared/rbac.ts';
import { type ManualClock, manualClock } from '../../support/fakes.ts';

// The password login the test tokens claim; the principal carries it for step-up.
const AUTH_TIME = 1_767_225_600;

const CACHE_SECONDS = 30;
const CONFIG: AuthConfig = {
  issuer: 'https://auth.nimbus.test',
  audience: 'nimbus-api',
  accessTokenTtlSeconds: 900,
  refreshIdleSeconds: 3600,
  refreshAbsoluteSeconds: 86_400,
  refreshReuseGraceSeconds: 10,
  authorizerCacheSeconds: CACHE_SECONDS,
  registration: 'open',
  apiKeyEnvironment: 'test',
  stepUpMaxAgeSeconds: 300,
  attemptBudget: 10,
  lockoutSeconds: 900,
  maxLockoutSeconds: 86_400,
};
const VALID_KEY = 'key-valid';

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

/** The authenticator over in-memory ports, with counters of what it read and wrote. */
function harness(clock: ManualClock = manualClock()) {
  const nowMs = () => clock.now().getTime();
  const keyring: Keyring = {
    keySet,
    issuer: createTokenIssuer({ keySet, ...CONFIG, ttlSeconds: CONFIG.accessTokenTtlSeconds, now: nowMs }),
    verifier: createTokenVerifier({ keySet, issuer: CONFIG.issuer, audience: CONFIG.audience, now: nowMs }),
    jwks: jwksOf(keySet),
  };
  const users = new Map<string, User>();
  const sessions = new Map<string, Session>();
  const grants = new Map<string, ApiKeyGrant>();
  const reads = { sessions: 0, keys: 0 };
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
    keyring: async () => keyring,
    now: clock.now,
    users: { get: async (id) => users.get(id) },
    sessions: {
      get: async (userId, sessionId) => {
        reads.sessions++;
        return sessions.get(`${userId}/${sessionId}`);
      },
    },
    apiKeys,
  };
  const nowSeconds = () => Math.floor(nowMs() / 1000);

  return {
    clock,
    reads,
    touches,
    authenticator: createAuthenticator(deps),
    addUser(id: string, roles: readonly string[]) {
      users.set(id, userOf(id, roles));
    },
    setSession(userId: string, sessionId: string, change: Partial<Session> = {}) {
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
        ...grant,
      });
    },
    async tokenFor(userId: string, sessionId: string, permissions: string[] = ['profile:read']) {
      const issued = await keyring.issuer.issue({
        sub: userId,
        roles: ['developer'],
        permissions,
        session_id: sessionId,
        org_id: 'org-1',
        auth_time: AUTH_TIME,
      });
      return issued.token;
    },
  };
}

async function refusedWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AuthenticationFailedError, `expected AuthenticationFailedError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
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

  it('keeps trusting a cached live session until the cache time has passed, then sees the revocation', async () => {
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

    assert.deepEqual(principal.permissions, [...API_KEY_PERMISSIONS]);
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

    assert.equal(readsWithinTtl, 1);
    assert.equal(h.reads.keys, 2);
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
