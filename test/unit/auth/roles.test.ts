import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_TOTP } from '#functions/auth/store/users.ts';
import { setUserRoles } from '#functions/auth/use-cases/roles.ts';
import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import { memoryEventStore, memoryUserStore } from '../../support/fakes.ts';

async function harness() {
  const users = memoryUserStore();
  await users.create({
    id: 'u1',
    email: 'u1@nimbus.test',
    name: 'U1',
    passwordHash: 'unused',
    roles: ['developer'],
    orgId: 'org-1',
    createdAt: '2026-01-01T00:00:00.000Z',
    totp: NO_TOTP,
  });
  const events = memoryEventStore();
  const invalidated: string[] = [];
  const deps = {
    users,
    events,
    invalidateUser: async (userId: string) => {
      invalidated.push(userId);
    },
  };
  return { deps, users, events, invalidated };
}

describe('setUserRoles', () => {
  it('replaces the roles without duplicates, drops the user cached responses and records from/to', async () => {
    const { deps, events, invalidated } = await harness();

    const user = await setUserRoles(deps, 'admin-1', 'u1', ['operator', 'viewer', 'operator'], 'corr-1');

    assert.deepEqual(user.roles, ['operator', 'viewer']);
    assert.deepEqual(invalidated, ['u1']);
    assert.equal(events.appended[0]?.type, 'security.roles-changed');
    assert.equal(events.appended[0]?.actor, 'admin-1');
    assert.deepEqual(events.appended[0]?.data, { from: ['developer'], to: ['operator', 'viewer'] });
  });

  it('answers "not found" for an unknown user and changes nothing', async () => {
    const { deps, events, invalidated } = await harness();

    await assert.rejects(setUserRoles(deps, 'admin-1', 'nobody', ['admin'], 'c'), ResourceNotFoundError);

    assert.deepEqual(invalidated, []);
    assert.equal(events.appended.length, 0);
  });
});
