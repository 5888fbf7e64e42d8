import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmStepUp } from '#functions/auth/use-cases/step-up.ts';
import type { KeyStepUpDeps, StepUpRequest } from '#functions/keys/deps.ts';
import { hashApiKey } from '#functions/keys/domain/api-keys.ts';
import { createKey } from '#functions/keys/use-cases/create.ts';
import { listOwnKeys } from '#functions/keys/use-cases/list.ts';
import { apiKeyLookup } from '#functions/keys/use-cases/lookup.ts';
import { revokeKey } from '#functions/keys/use-cases/revoke.ts';
import {
  AuthenticationFailedError,
  InvalidInputError,
  NotPermittedError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import { API_KEY_PERMISSIONS, isApiKeyPermission, PERMISSIONS } from '#shared/rbac.ts';
import { addUser, fakeAuthDeps, loggedInSince, TEST_PASSWORD } from '../../support/auth-fakes.ts';
import { manualClock, memoryEventStore, userPrincipal } from '../../support/fakes.ts';
import { memoryKeyStore } from '../../support/key-fakes.ts';

function harness() {
  const clock = manualClock();
  const keys = memoryKeyStore();
  const events = memoryEventStore(clock.now);
  const invalidated: string[] = [];
  // Step-up as a port that says yes and remembers what it was asked; identity's own rule is
  // plugged in where a test is about it.
  const stepUps: StepUpRequest[] = [];
  const deps: KeyStepUpDeps = {
    keys,
    events,
    environment: 'test',
    now: clock.now,
    invalidateUser: async (userId) => {
      invalidated.push(userId);
    },
    confirmStepUp: async (request) => {
      stepUps.push(request);
    },
  };
  return { deps, clock, keys, events, invalidated, stepUps };
}

/** Key creation with identity's real step-up over in-memory identity stores. */
async function withIdentityStepUp() {
  const base = harness();
  const identity = await fakeAuthDeps(base.clock);
  await addUser(identity.users);
  const deps: KeyStepUpDeps = {
    ...base.deps,
    confirmStepUp: (request) => confirmStepUp(identity.deps, request),
  };
  return { ...base, deps, identity };
}

const NEW_KEY = { name: 'ci deploys', permissions: ['deployments:write', 'deployments:read'] };

describe('createKey', () => {
  it('returns the key once, stores only its hash, with permissions deduplicated and sorted', async () => {
    const { deps, keys } = harness();

    const created = await createKey(
      deps,
      userPrincipal(),
      { ...NEW_KEY, permissions: ['deployments:write', 'deployments:read', 'deployments:write'] },
      'corr-1',
    );

    assert.match(created.key, /^nmb_test_[0-9A-Za-z]{32}$/);
    assert.deepEqual(created.permissions, ['deployments:read', 'deployments:write']);
    assert.equal('hash' in created, false);
    const stored = keys.records.get(hashApiKey(created.key));
    assert.equal(stored?.id, created.id);
    assert.equal(stored?.ownerId, 'user-1');
    assert.deepEqual(stored?.permissions, ['deployments:read', 'deployments:write']);
  });

  it('records an audit event and drops the owner cached responses', async () => {
    const { deps, events, invalidated } = harness();

    const created = await createKey(deps, userPrincipal(), NEW_KEY, 'corr-1');

    assert.deepEqual(invalidated, ['user-1']);
    assert.equal(events.appended.length, 1);
    assert.deepEqual(
      { ...events.appended[0], at: undefined, id: undefined },
      {
        subject: `apikey:${created.id}`,
        version: 1,
        type: 'security.apikey-created',
        actor: 'user-1',
        at: undefined,
        correlationId: 'corr-1',
        data: {
          name: 'ci deploys',
          permissions: ['deployments:read', 'deployments:write'],
          expiresAt: null,
          prefix: created.prefix,
        },
        id: undefined,
      },
    );
  });

  it('refuses an API-key caller: keys cannot mint keys', async () => {
    const { deps, keys, events } = harness();

    await assert.rejects(
      createKey(deps, userPrincipal({ kind: 'api-key', sessionId: null }), NEW_KEY, 'corr-1'),
      NotPermittedError,
    );
    assert.equal(keys.records.size, 0);
    assert.equal(events.appended.length, 0);
  });

  it('refuses to delegate a permission the caller does not hold, naming it', async () => {
    const { deps, keys } = harness();
    const caller = userPrincipal({ permissions: ['deployments:read', 'keys:own'] });

    await assert.rejects(
      createKey(
        deps,
        caller,
        { name: 'too much', permissions: ['deployments:read', 'monitoring:read'] },
        'c',
      ),
      (error: unknown) => error instanceof NotPermittedError && error.message.includes('monitoring:read'),
    );
    assert.equal(keys.records.size, 0);
  });

  // A key acts as a service: with these, a leaked key could take over its owner's account.
  for (const forbidden of [...PERMISSIONS.filter((p) => !isApiKeyPermission(p)), 'deployments:*', '*']) {
    it(`refuses a key carrying ${forbidden} with invalid input naming it, even for an admin`, async () => {
      const { deps, keys, events } = harness();
      const admin = userPrincipal({ roles: ['admin'], permissions: ['*'] });

      await assert.rejects(
        createKey(deps, admin, { name: 'k', permissions: ['deployments:read', forbidden] }, 'c'),
        (error: unknown) =>
          error instanceof InvalidInputError &&
          error.message.includes(forbidden) &&
          error.fields.length === 1 &&
          error.fields[0]?.path === 'body.permissions' &&
          error.fields[0].message.startsWith(`${forbidden} `),
      );
      assert.equal(keys.records.size, 0);
      assert.equal(events.appended.length, 0);
    });
  }

  it('names every offending permission once, in one error', async () => {
    const { deps } = harness();
    const admin = userPrincipal({ roles: ['admin'], permissions: ['*'] });

    await assert.rejects(
      createKey(deps, admin, { name: 'k', permissions: ['sessions:own', 'totp:own', 'sessions:own'] }, 'c'),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.fields.map((f) => f.message.split(' ')[0]).join() === 'sessions:own,totp:own',
    );
  });

  it('lets an admin create a key with every service permission', async () => {
    const { deps } = harness();
    const admin = userPrincipal({ roles: ['admin'], permissions: ['*'] });

    const created = await createKey(deps, admin, { name: 'k', permissions: [...API_KEY_PERMISSIONS] }, 'c');

    assert.deepEqual(created.permissions, [...API_KEY_PERMISSIONS].sort());
  });

  it('lets a caller holding a feature wildcard delegate any action of that feature', async () => {
    const { deps } = harness();
    const caller = userPrincipal({ permissions: ['deployments:*'] });

    const created = await createKey(deps, caller, NEW_KEY, 'corr-1');

    assert.deepEqual(created.permissions, ['deployments:read', 'deployments:write']);
  });

  it('refuses an expiry that is not in the future, pointing at the field', async () => {
    const { deps, clock, keys } = harness();

    await assert.rejects(
      createKey(deps, userPrincipal(), { ...NEW_KEY, expiresAt: clock.now().toISOString() }, 'corr-1'),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.fields.length === 1 &&
        error.fields[0]?.path === 'body.expiresAt',
    );
    assert.equal(keys.records.size, 0);
  });

  it('stores a future expiry in UTC', async () => {
    const { deps } = harness();

    const created = await createKey(
      deps,
      userPrincipal(),
      { ...NEW_KEY, expiresAt: '2026-02-01T12:00:00+02:00' },
      'corr-1',
    );

    assert.equal(created.expiresAt, '2026-02-01T10:00:00.000Z');
  });
});

describe('createKey: step-up', () => {
  const caller = (clock: ReturnType<typeof manualClock>, ageSeconds: number) =>
    loggedInSince(clock, ageSeconds, { permissions: ['keys:own', 'deployments:read', 'deployments:write'] });

  it('asks for step-up with the password sent, naming the change and the client', async () => {
    const { deps, stepUps } = harness();

    await createKey(deps, userPrincipal(), { ...NEW_KEY, password: 'pw' }, 'corr-1', '203.0.113.9');

    assert.equal(stepUps.length, 1);
    assert.equal(stepUps[0]?.password, 'pw');
    assert.equal(stepUps[0]?.via, 'keys-create');
    assert.equal(stepUps[0]?.ip, '203.0.113.9');
  });

  it('creates a key for a login of a minute ago without a password', async () => {
    const { deps, clock, keys } = await withIdentityStepUp();

    await createKey(deps, caller(clock, 60), NEW_KEY, 'corr-1');

    assert.equal(keys.records.size, 1);
  });

  it('refuses a stale login without a password (step-up-required), storing nothing', async () => {
    const { deps, clock, keys } = await withIdentityStepUp();

    await assert.rejects(
      createKey(deps, caller(clock, 3600), NEW_KEY, 'corr-1'),
      (error: unknown) => error instanceof AuthenticationFailedError && error.code === 'step-up-required',
    );
    assert.equal(keys.records.size, 0);
  });

  it('creates a key for a stale login that sends the right password', async () => {
    const { deps, clock, keys } = await withIdentityStepUp();

    await createKey(deps, caller(clock, 3600), { ...NEW_KEY, password: TEST_PASSWORD }, 'corr-1');

    assert.equal(keys.records.size, 1);
  });

  it('refuses a wrong password, audited as a failed login, storing nothing', async () => {
    const { deps, clock, keys, identity } = await withIdentityStepUp();

    await assert.rejects(
      createKey(deps, caller(clock, 60), { ...NEW_KEY, password: 'not the password' }, 'corr-1'),
      (error: unknown) => error instanceof AuthenticationFailedError && error.code === 'invalid-credentials',
    );
    assert.equal(keys.records.size, 0);
    assert.deepEqual(
      identity.events.appended.map((e) => [e.type, e.data.reason, e.data.via]),
      [['security.login-failed', 'step-up', 'keys-create']],
    );
  });
});

describe('listOwnKeys', () => {
  it('lists only the caller keys, newest first, without secrets or owner fields', async () => {
    const { deps, clock } = harness();
    const first = await createKey(deps, userPrincipal(), { ...NEW_KEY, name: 'first' }, 'c');
    clock.advance(1000);
    const second = await createKey(deps, userPrincipal(), { ...NEW_KEY, name: 'second' }, 'c');
    await createKey(deps, userPrincipal({ id: 'someone-else' }), NEW_KEY, 'c');

    const items = await listOwnKeys(deps, 'user-1');

    assert.deepEqual(
      items.map((item) => item.id),
      [second.id, first.id],
    );
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(), [
        'createdAt',
        'expiresAt',
        'id',
        'lastUsedAt',
        'name',
        'permissions',
        'prefix',
        'revokedAt',
        'rotatedAt',
        'rotationEveryDays',
      ]);
    }
  });
});

describe('revokeKey', () => {
  it('revokes the caller key now, records it and drops the owner cached responses', async () => {
    const { deps, keys, events, invalidated } = harness();
    const created = await createKey(deps, userPrincipal(), NEW_KEY, 'corr-1');

    await revokeKey(deps, userPrincipal(), created.id, 'corr-2');

    assert.equal(keys.records.get(hashApiKey(created.key))?.revokedAt, '2026-01-01T12:00:00.000Z');
    assert.deepEqual(invalidated, ['user-1', 'user-1']);
    const revoked = events.appended.at(-1);
    assert.equal(revoked?.type, 'security.apikey-revoked');
    assert.equal(revoked?.subject, `apikey:${created.id}`);
    assert.equal(revoked?.correlationId, 'corr-2');
    assert.deepEqual(revoked?.data, { prefix: created.prefix });
  });

  it('answers "not found" for another user key and leaves it alone', async () => {
    const { deps, keys, events } = harness();
    const created = await createKey(deps, userPrincipal({ id: 'owner' }), NEW_KEY, 'corr-1');

    await assert.rejects(
      revokeKey(deps, userPrincipal({ id: 'intruder' }), created.id, 'c'),
      ResourceNotFoundError,
    );

    assert.equal(keys.records.get(hashApiKey(created.key))?.revokedAt, null);
    assert.equal(events.appended.length, 1);
  });

  it('answers "not found" for an id that does not exist', async () => {
    const { deps } = harness();

    await assert.rejects(revokeKey(deps, userPrincipal(), 'no-such-id', 'c'), ResourceNotFoundError);
  });
});

describe('apiKeyLookup', () => {
  it('finds a created key by the fingerprint of the presented key', async () => {
    const { deps, keys } = harness();
    const created = await createKey(deps, userPrincipal(), NEW_KEY, 'corr-1');
    const lookup = apiKeyLookup(keys);

    const fingerprint = lookup.fingerprint(created.key);
    const found = fingerprint === null ? undefined : await lookup.find(fingerprint);

    assert.equal(fingerprint, hashApiKey(created.key));
    assert.equal(found?.id, created.id);
  });

  it('gives no fingerprint to a value that is not shaped like a key', () => {
    const lookup = apiKeyLookup(memoryKeyStore());

    assert.equal(lookup.fingerprint('nmb_live_tooShort'), null);
    assert.equal(lookup.fingerprint(''), null);
  });
});
