import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthenticatorDeps } from '#functions/auth/deps.ts';
import { NO_TOTP } from '#functions/auth/store/users.ts';
import { createAuthenticator } from '#functions/auth/use-cases/authenticate.ts';
import type { KeyJobDeps, RotateKeyDeps, StepUpRequest } from '#functions/keys/deps.ts';
import { hashApiKey } from '#functions/keys/domain/api-keys.ts';
import { collectRotatedSecret } from '#functions/keys/use-cases/collect.ts';
import { createKey } from '#functions/keys/use-cases/create.ts';
import { findExpiringApiKeys } from '#functions/keys/use-cases/expiring.ts';
import { listOwnKeys } from '#functions/keys/use-cases/list.ts';
import { apiKeyLookup } from '#functions/keys/use-cases/lookup.ts';
import { revokeKey } from '#functions/keys/use-cases/revoke.ts';
import { rotateKey } from '#functions/keys/use-cases/rotate.ts';
import { rotateDueApiKeys } from '#functions/keys/use-cases/rotate-due.ts';
import { setRotationSchedule } from '#functions/keys/use-cases/schedule.ts';
import { keyStatus } from '#functions/keys/use-cases/status.ts';
import { authorizerCache } from '#shared/cache/authorizer-cache.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import {
  ConflictingStateError,
  InvalidInputError,
  NotPermittedError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { refusedWith, UNIT_AUTH } from '../../support/auth-unit.ts';
import { Clock, FakeRedis } from '../../support/fake-redis.ts';
import { memoryEventStore, userPrincipal } from '../../support/fakes.ts';
import { memoryKeyStore } from '../../support/key-fakes.ts';

const DAY_MS = 86_400_000;
// How late another container sees an invalidation: the verdict cache's tag-version bound.
const BOUND_MS = 1_000;
const ROTATION = { defaultOverlapSeconds: 86_400, maxOverlapSeconds: 7 * 86_400 };
const OWNER = userPrincipal();
const ADMIN = userPrincipal({ id: 'admin-1', roles: ['admin'], permissions: ['*'] });
const NEW_KEY = { name: 'ci deploys', permissions: ['deployments:read'] };

/**
 * The keys feature over an in-memory store, with the real authenticator (and its verdict cache on
 * a fake Redis) reading the same store: what a request with a key gets after each change.
 */
function world() {
  const time = new Clock(Date.parse('2026-01-01T12:00:00.000Z'));
  const now = () => new Date(time.now());
  const redis = new FakeRedis(time);
  const cacheOn = { redis: () => redis, now: time.now };
  const keys = memoryKeyStore();
  const events = memoryEventStore(now);
  const stepUps: StepUpRequest[] = [];
  const elsewhere = authorizerCache(UNIT_AUTH.authorizerCacheSeconds, cacheOn);
  const sealingKey = deriveKey('unit-test-data-key', 'nimbus/api-key-rotated-secret/v1');
  const deps: RotateKeyDeps & KeyJobDeps = {
    keys,
    events,
    environment: 'test',
    now,
    // What another function's container does: it reaches the authorizer only through Redis.
    invalidateUser: (userId) => elsewhere.invalidateUser(userId),
    confirmStepUp: async (request) => {
      stepUps.push(request);
    },
    rotation: ROTATION,
    sealingKey: async () => sealingKey,
  };
  const authenticatorDeps: AuthenticatorDeps = {
    config: UNIT_AUTH,
    keyring: async () => {
      throw new Error('no JWTs in these tests');
    },
    now,
    users: {
      get: async (id) => ({
        id,
        email: `${id}@nimbus.test`,
        name: id,
        passwordHash: 'unused',
        roles: id === ADMIN.id ? ['admin'] : ['developer'],
        orgId: 'org-1',
        createdAt: '2026-01-01T00:00:00.000Z',
        totp: NO_TOTP,
      }),
    },
    sessions: { get: async () => undefined },
    apiKeys: apiKeyLookup(keys),
    verdicts: authorizerCache(UNIT_AUTH.authorizerCacheSeconds, cacheOn),
  };
  const authenticator = createAuthenticator(authenticatorDeps);
  return {
    deps,
    keys,
    events,
    stepUps,
    advance: (ms: number) => time.advance(ms),
    now,
    /** A request with `x-api-key: key`, through the authorizer container of this world. */
    useKey: (key: string) => authenticator.authenticate({ 'x-api-key': key }),
    create: (caller: Principal = OWNER, input: Partial<typeof NEW_KEY & { expiresAt: string }> = {}) =>
      createKey(deps, caller, { ...NEW_KEY, ...input }, 'corr-create'),
  };
}

describe('rotateKey: the old secret overlaps the new one', () => {
  it('accepts old and new inside the overlap and only the new one from its end, to the millisecond', async () => {
    const w = world();
    const created = await w.create();
    // The container has read the old secret before the rotation: its first read must not outlive it.
    assert.equal((await w.useKey(created.key)).keyId, created.id);

    const rotated = await rotateKey(w.deps, OWNER, created.id, { overlapSeconds: 10 }, 'corr-rotate');
    w.advance(BOUND_MS);

    assert.equal((await w.useKey(created.key)).keyId, created.id);
    assert.equal((await w.useKey(rotated.key)).keyId, created.id);
    w.advance(10_000 - BOUND_MS - 1);
    assert.equal((await w.useKey(created.key)).keyId, created.id);
    w.advance(1);
    await refusedWith(w.useKey(created.key), 'key-invalid');
    assert.equal((await w.useKey(rotated.key)).keyId, created.id);
  });

  it('with an overlap of 0 refuses the old secret within the revocation bound', async () => {
    const w = world();
    const created = await w.create();
    await w.useKey(created.key);

    const rotated = await rotateKey(w.deps, OWNER, created.id, { overlapSeconds: 0 }, 'c');
    w.advance(BOUND_MS);

    await refusedWith(w.useKey(created.key), 'key-invalid');
    assert.equal((await w.useKey(rotated.key)).keyId, created.id);
  });

  it('uses the configured default overlap when none is asked for', async () => {
    const w = world();
    const created = await w.create();

    const rotated = await rotateKey(w.deps, OWNER, created.id, {}, 'c');

    assert.equal(rotated.overlapEndsAt, new Date(w.now().getTime() + 86_400_000).toISOString());
    assert.equal(rotated.previousPrefix, created.prefix);
  });

  it('keeps id, name, permissions, owner and expiry; ends the old secret at the expiry if sooner', async () => {
    const w = world();
    const expiresAt = new Date(w.now().getTime() + 3_600_000).toISOString();
    const created = await w.create(OWNER, { expiresAt });

    const rotated = await rotateKey(w.deps, OWNER, created.id, { overlapSeconds: 7200 }, 'c');

    assert.equal(rotated.id, created.id);
    assert.equal(rotated.name, created.name);
    assert.deepEqual(rotated.permissions, created.permissions);
    assert.equal(rotated.expiresAt, expiresAt);
    assert.notEqual(rotated.prefix, created.prefix);
    assert.equal(rotated.overlapEndsAt, expiresAt);
    assert.equal(w.keys.records.get(hashApiKey(rotated.key))?.ownerId, OWNER.id);
    assert.deepEqual(
      (await listOwnKeys(w.deps, OWNER.id)).map((key) => key.prefix),
      [rotated.prefix],
    );
  });

  for (const overlapSeconds of [-1, ROTATION.maxOverlapSeconds + 1, 1.5]) {
    it(`refuses an overlap of ${overlapSeconds} s as invalid input, changing nothing`, async () => {
      const w = world();
      const created = await w.create();

      await assert.rejects(
        rotateKey(w.deps, OWNER, created.id, { overlapSeconds }, 'c'),
        (error: unknown) =>
          error instanceof InvalidInputError && error.fields[0]?.path === 'body.overlapSeconds',
      );
      assert.equal(w.keys.records.size, 1);
      assert.deepEqual(
        w.stepUps.map((s) => s.via),
        ['keys-create'],
      );
    });
  }

  it('accepts the maximum overlap exactly', async () => {
    const w = world();
    const created = await w.create();

    const rotated = await rotateKey(
      w.deps,
      OWNER,
      created.id,
      { overlapSeconds: ROTATION.maxOverlapSeconds },
      'c',
    );

    assert.equal(Date.parse(rotated.overlapEndsAt) - w.now().getTime(), ROTATION.maxOverlapSeconds * 1000);
  });

  it('asks for step-up naming the rotation, and audits it with prefixes only', async () => {
    const w = world();
    const created = await w.create();

    const rotated = await rotateKey(
      w.deps,
      OWNER,
      created.id,
      { password: 'pw' },
      'corr-rotate',
      '203.0.113.9',
    );

    assert.deepEqual(
      w.stepUps.slice(1).map((s) => [s.via, s.password, s.ip]),
      [['keys-rotate', 'pw', '203.0.113.9']],
    );
    const event = w.events.appended.at(-1);
    assert.equal(event?.type, 'security.apikey-rotated');
    assert.equal(event?.subject, `apikey:${created.id}`);
    assert.equal(event?.actor, OWNER.id);
    assert.equal(event?.correlationId, 'corr-rotate');
    assert.equal(event?.data.prefix, rotated.prefix);
    assert.equal(event?.data.previousPrefix, created.prefix);
    assert.equal(JSON.stringify(w.events.appended).includes(rotated.key), false);
  });

  it('refuses to rotate a revoked key (conflict), storing no new secret', async () => {
    const w = world();
    const created = await w.create();
    await revokeKey(w.deps, OWNER, created.id, 'c');

    await assert.rejects(rotateKey(w.deps, OWNER, created.id, {}, 'c'), ConflictingStateError);
    assert.equal(w.keys.records.size, 1);
  });
});

describe('revokeKey after a rotation', () => {
  it('refuses old and new secrets at once (within the revocation bound), even inside the overlap', async () => {
    const w = world();
    const created = await w.create();
    const rotated = await rotateKey(w.deps, OWNER, created.id, { overlapSeconds: 3600 }, 'c');
    w.advance(BOUND_MS);
    await w.useKey(created.key);
    await w.useKey(rotated.key);

    await revokeKey(w.deps, OWNER, created.id, 'corr-revoke');

    for (const secret of w.keys.records.values()) assert.notEqual(secret.revokedAt, null);
    w.advance(BOUND_MS);
    await refusedWith(w.useKey(created.key), 'key-invalid');
    await refusedWith(w.useKey(rotated.key), 'key-invalid');
  });
});

describe('who may manage a key', () => {
  it('lets an admin rotate, schedule and revoke anyone’s key, audited under the admin with the owner', async () => {
    const w = world();
    const created = await w.create();

    const rotated = await rotateKey(w.deps, ADMIN, created.id, { overlapSeconds: 0 }, 'c');
    const scheduled = await setRotationSchedule(w.deps, ADMIN, created.id, 30, 'c');
    await revokeKey(w.deps, ADMIN, created.id, 'c');

    assert.equal(rotated.id, created.id);
    assert.equal(scheduled.everyDays, 30);
    assert.deepEqual(
      w.events.appended.slice(1).map((e) => [e.type, e.actor, e.data.ownerId]),
      [
        ['security.apikey-rotated', ADMIN.id, OWNER.id],
        ['security.apikey-rotation-scheduled', ADMIN.id, OWNER.id],
        ['security.apikey-revoked', ADMIN.id, OWNER.id],
      ],
    );
  });

  it('answers "not found" to another user for every action, changing nothing', async () => {
    const w = world();
    const created = await w.create();
    const intruder = userPrincipal({ id: 'intruder' });

    await assert.rejects(rotateKey(w.deps, intruder, created.id, {}, 'c'), ResourceNotFoundError);
    await assert.rejects(setRotationSchedule(w.deps, intruder, created.id, 30, 'c'), ResourceNotFoundError);
    await assert.rejects(revokeKey(w.deps, intruder, created.id, 'c'), ResourceNotFoundError);
    await assert.rejects(collectRotatedSecret(w.deps, intruder, created.id, {}, 'c'), ResourceNotFoundError);
    assert.equal(w.keys.records.size, 1);
    assert.equal(w.events.appended.length, 1);
  });

  it('refuses an API-key caller', async () => {
    const w = world();
    const created = await w.create();

    await assert.rejects(
      rotateKey(w.deps, userPrincipal({ kind: 'api-key', sessionId: null }), created.id, {}, 'c'),
      NotPermittedError,
    );
  });
});

describe('rotation schedules and rotateDueApiKeys', () => {
  it('rotates a key due by its schedule once, sealed for the owner, audited as the job', async () => {
    const w = world();
    const created = await w.create();
    const scheduled = await setRotationSchedule(w.deps, OWNER, created.id, 30, 'c');
    assert.equal(scheduled.dueAt, new Date(w.now().getTime() + 30 * DAY_MS).toISOString());

    w.advance(30 * DAY_MS - 1);
    assert.deepEqual(await rotateDueApiKeys(w.deps, w.now()), { rotated: [] });
    w.advance(1);
    assert.deepEqual(await rotateDueApiKeys(w.deps, w.now()), { rotated: [created.id] });
    assert.deepEqual(await rotateDueApiKeys(w.deps, w.now()), { rotated: [] });

    const event = w.events.appended.at(-1);
    assert.equal(event?.type, 'security.apikey-rotated');
    assert.equal(event?.actor, 'job:rotate-due');
    assert.equal(event?.data.scheduled, true);
    assert.equal(event?.data.overlapSeconds, ROTATION.defaultOverlapSeconds);
    const [status] = await keyStatus(w.deps, OWNER.id, w.now());
    assert.equal(status?.secretToCollect, true);
    assert.equal(status?.rotation?.dueAt, new Date(w.now().getTime() + 30 * DAY_MS).toISOString());
    assert.equal(status?.rotation?.due, false);
  });

  it('leaves unscheduled, unscheduled-again and revoked keys alone', async () => {
    const w = world();
    await w.create();
    const unscheduled = await w.create();
    const revoked = await w.create();
    await setRotationSchedule(w.deps, OWNER, unscheduled.id, 1, 'c');
    await setRotationSchedule(w.deps, OWNER, unscheduled.id, null, 'c');
    await setRotationSchedule(w.deps, OWNER, revoked.id, 1, 'c');
    await revokeKey(w.deps, OWNER, revoked.id, 'c');
    w.advance(2 * DAY_MS);

    assert.deepEqual(await rotateDueApiKeys(w.deps, w.now()), { rotated: [] });
  });

  it('counts a schedule from the last rotation, not from creation', async () => {
    const w = world();
    const created = await w.create();
    w.advance(20 * DAY_MS);
    await rotateKey(w.deps, OWNER, created.id, {}, 'c');

    const scheduled = await setRotationSchedule(w.deps, OWNER, created.id, 30, 'c');

    assert.equal(scheduled.dueAt, new Date(w.now().getTime() + 30 * DAY_MS).toISOString());
  });
});

describe('collectRotatedSecret', () => {
  async function rotatedBySchedule() {
    const w = world();
    const created = await w.create();
    await setRotationSchedule(w.deps, OWNER, created.id, 7, 'c');
    w.advance(7 * DAY_MS);
    await rotateDueApiKeys(w.deps, w.now());
    return { w, created };
  }

  it('hands the new secret out once: it works, a second collection finds nothing', async () => {
    const { w, created } = await rotatedBySchedule();

    const collected = await collectRotatedSecret(w.deps, OWNER, created.id, {}, 'corr-collect');

    assert.equal((await w.useKey(collected.key)).keyId, created.id);
    await assert.rejects(collectRotatedSecret(w.deps, OWNER, created.id, {}, 'c'), ResourceNotFoundError);
    const event = w.events.appended.at(-1);
    assert.equal(event?.type, 'security.apikey-rotated-secret-collected');
    assert.equal(event?.data.prefix, collected.prefix);
    assert.equal(event?.correlationId, 'corr-collect');
    assert.equal(JSON.stringify(w.events.appended).includes(collected.key), false);
    assert.equal(w.stepUps.at(-1)?.via, 'keys-collect');
  });

  it('stores the waiting secret sealed, never in the clear', async () => {
    const { w } = await rotatedBySchedule();

    const [sealed] = [...w.keys.sealed.values()];

    assert.match(sealed ?? '', /^v1\./);
    assert.equal(/nmb_test_/.test(sealed ?? ''), false);
  });

  it('drops the waiting secret when the key is rotated again by hand, or revoked', async () => {
    const { w, created } = await rotatedBySchedule();
    await rotateKey(w.deps, OWNER, created.id, {}, 'c');
    await assert.rejects(collectRotatedSecret(w.deps, OWNER, created.id, {}, 'c'), ResourceNotFoundError);

    const again = await rotatedBySchedule();
    await revokeKey(again.w.deps, OWNER, again.created.id, 'c');
    assert.equal(again.w.keys.sealed.size, 0);
  });

  it('lets an admin collect for the owner', async () => {
    const { w, created } = await rotatedBySchedule();

    const collected = await collectRotatedSecret(w.deps, ADMIN, created.id, {}, 'c');

    assert.equal((await w.useKey(collected.key)).id, OWNER.id);
  });
});

describe('keyStatus', () => {
  it('shows age, expiry, last use and the old secret still valid until the overlap end', async () => {
    const w = world();
    const expiresAt = new Date(w.now().getTime() + 40 * DAY_MS).toISOString();
    const created = await w.create(OWNER, { expiresAt });
    await w.useKey(created.key);
    w.advance(3 * DAY_MS);
    const rotated = await rotateKey(w.deps, OWNER, created.id, { overlapSeconds: 3600 }, 'c');

    const [status] = await keyStatus(w.deps, OWNER.id, w.now());

    assert.equal(status?.prefix, rotated.prefix);
    assert.equal(status?.ageDays, 3);
    assert.equal(status?.daysToExpiry, 37);
    assert.equal(status?.lastUsedAt, '2026-01-01T12:00:00.000Z');
    assert.deepEqual(status?.overlap, [
      { prefix: created.prefix, validUntil: rotated.overlapEndsAt, lastUsedAt: '2026-01-01T12:00:00.000Z' },
    ]);
    w.advance(3_600_000);
    assert.deepEqual((await keyStatus(w.deps, OWNER.id, w.now()))[0]?.overlap, []);
  });
});

describe('findExpiringApiKeys', () => {
  it('finds exactly the live keys expiring within the window, soonest first', async () => {
    const w = world();
    const at = (days: number) => new Date(w.now().getTime() + days * DAY_MS).toISOString();
    const soon = await w.create(OWNER, { expiresAt: at(2.5) });
    const edge = await w.create(OWNER, { expiresAt: at(7) });
    await w.create(OWNER, { expiresAt: at(8) });
    await w.create();
    const revoked = await w.create(OWNER, { expiresAt: at(1) });
    await revokeKey(w.deps, OWNER, revoked.id, 'c');

    const found = await findExpiringApiKeys(w.deps, w.now(), 7);

    assert.deepEqual(found, [
      { keyId: soon.id, ownerId: OWNER.id, expiresAt: at(2.5), daysLeft: 2 },
      { keyId: edge.id, ownerId: OWNER.id, expiresAt: at(7), daysLeft: 7 },
    ]);
  });
});

describe('schedule changes', () => {
  it('are audited with who, the prefix and the next due time, and refused on a rotated-away read', async () => {
    const w = world();
    const created = await w.create();

    await setRotationSchedule(w.deps, OWNER, created.id, 14, 'corr-s');
    await setRotationSchedule(w.deps, OWNER, created.id, null, 'corr-u');

    assert.deepEqual(
      w.events.appended
        .slice(1)
        .map((e) => [e.type, e.actor, e.correlationId, e.data.prefix, e.data.everyDays]),
      [
        ['security.apikey-rotation-scheduled', OWNER.id, 'corr-s', created.prefix, 14],
        ['security.apikey-rotation-unscheduled', OWNER.id, 'corr-u', created.prefix, null],
      ],
    );
  });

  it('maps a rotation racing the write to a conflict', async () => {
    const w = world();
    const created = await w.create();
    const [stale] = await w.keys.secretsOf(OWNER.id, created.id);
    await rotateKey(w.deps, OWNER, created.id, {}, 'c');

    await assert.rejects(
      w.keys.setRotationSchedule(stale as never, 3),
      (error: unknown) => error instanceof Error,
    );
    await assert.rejects(
      rotateKey(
        { ...w.deps, keys: { ...w.keys, secretsOf: async () => (stale ? [stale] : []) } },
        OWNER,
        created.id,
        {},
        'c',
      ),
      ConflictingStateError,
    );
  });
});
