import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  dynamoUserStore,
  EmailTakenError,
  NO_TOTP,
  StaleWriteError,
  type User,
} from '#functions/auth/store/users.ts';
import { APP_TABLE } from '../../support/tables.ts';

const users = dynamoUserStore(APP_TABLE);

function newUser(overrides: Partial<User> = {}): User {
  const id = randomUUID();
  return {
    id,
    email: `user-${id}@it.nimbus.test`,
    name: 'Integration User',
    passwordHash: 'scrypt$32768$8$1$not-a-real-salt$not-a-real-hash',
    roles: ['developer'],
    orgId: `org_${randomUUID()}`,
    createdAt: new Date().toISOString(),
    totp: NO_TOTP,
    ...overrides,
  };
}

describe('dynamoUserStore on the emulator', () => {
  it('reads a created user back by id and by email in any case', async () => {
    const user = newUser();

    await users.create(user);

    assert.deepEqual(await users.get(user.id), user);
    assert.deepEqual(await users.findByEmail(user.email.toUpperCase()), user);
    assert.deepEqual(await users.findByEmail(`  ${user.email}  `), user);
  });

  it('returns undefined for an id or an email nobody has', async () => {
    assert.equal(await users.get(randomUUID()), undefined);
    assert.equal(await users.findByEmail(`nobody-${randomUUID()}@it.nimbus.test`), undefined);
  });

  it('refuses a second account on the same email in another case and writes nothing of it', async () => {
    const first = newUser();
    await users.create(first);
    const second = newUser({ email: first.email.toUpperCase() });

    await assert.rejects(users.create(second), EmailTakenError);

    assert.equal(await users.get(second.id), undefined, 'the second profile must not exist');
    assert.equal(
      (await users.findByEmail(first.email))?.id,
      first.id,
      'the email still belongs to the first',
    );
  });

  it('refuses a second account on exactly the same email and writes nothing of it', async () => {
    const first = newUser();
    await users.create(first);
    const second = newUser({ email: first.email });

    await assert.rejects(users.create(second), EmailTakenError);

    assert.equal(await users.get(second.id), undefined);
    assert.equal((await users.findByEmail(first.email))?.id, first.id);
  });

  it('setRoles replaces the roles and returns the updated user', async () => {
    const user = newUser();
    await users.create(user);

    const updated = await users.setRoles(user.id, ['admin', 'developer']);

    assert.deepEqual(updated?.roles, ['admin', 'developer']);
    assert.deepEqual((await users.get(user.id))?.roles, ['admin', 'developer']);
  });

  it('setRoles on a missing user returns undefined and creates nothing', async () => {
    const id = randomUUID();

    const updated = await users.setRoles(id, ['admin']);

    assert.equal(updated, undefined);
    assert.equal(await users.get(id), undefined);
  });

  it('updateTotp with a stale expected state throws StaleWriteError and keeps the stored state', async () => {
    const user = newUser();
    await users.create(user);
    const current = { ...NO_TOTP, pendingSealed: 'v1.pending' };
    await users.updateTotp(user.id, NO_TOTP, current);

    await assert.rejects(
      users.updateTotp(user.id, NO_TOTP, { ...NO_TOTP, pendingSealed: 'v1.other' }),
      StaleWriteError,
    );

    assert.deepEqual((await users.get(user.id))?.totp, current);
  });

  it('updateTotp with the stored state as expected persists the next state', async () => {
    const user = newUser();
    await users.create(user);
    const stored = (await users.get(user.id))!.totp;
    const next = {
      secretSealed: 'v1.secret',
      pendingSealed: null,
      enabled: true,
      lastStep: 58_000_000,
      backupHashes: ['a'.repeat(64), 'b'.repeat(64)],
    };

    await users.updateTotp(user.id, stored, next);

    assert.deepEqual((await users.get(user.id))?.totp, next);
  });

  it('updateTotp on a missing user throws StaleWriteError', async () => {
    await assert.rejects(users.updateTotp(randomUUID(), NO_TOTP, NO_TOTP), StaleWriteError);
  });

  it('replacePasswordHash swaps the hash only while it is still the expected one', async () => {
    const user = newUser();
    await users.create(user);

    await users.replacePasswordHash(user.id, user.passwordHash, 'scrypt$131072$8$1$new-salt$new-hash');
    await assert.rejects(
      users.replacePasswordHash(user.id, user.passwordHash, 'scrypt$131072$8$1$other$other'),
      StaleWriteError,
    );

    assert.equal((await users.get(user.id))?.passwordHash, 'scrypt$131072$8$1$new-salt$new-hash');
  });

  it('replacePasswordHash on a missing user throws StaleWriteError and creates nothing', async () => {
    const id = randomUUID();

    await assert.rejects(users.replacePasswordHash(id, 'a', 'b'), StaleWriteError);

    assert.equal(await users.get(id), undefined);
  });
});
