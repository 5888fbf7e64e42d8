import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setUserRoles } from '#functions/auth/use-cases/roles.ts';
import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import { addUser, fakeAuthDeps, loggedInSince } from '../../support/auth-fakes.ts';

async function harness() {
  const h = await fakeAuthDeps();
  await addUser(h.users, { id: 'u1', email: 'u1@nimbus.test', roles: ['developer'] });
  const invalidated: string[] = [];
  const deps = {
    ...h.deps,
    invalidateUser: async (userId: string) => {
      invalidated.push(userId);
    },
  };
  // An administrator who logged in a minute ago: step-up passes (step-up.test.ts covers the rest).
  const change = {
    caller: loggedInSince(h.clock, 60, { id: 'admin-1', roles: ['admin'] }),
    password: undefined,
    ip: null,
    correlationId: 'corr-1',
  };
  return { deps, change, events: h.events, invalidated };
}

describe('setUserRoles', () => {
  it('replaces the roles without duplicates, drops the user cached responses and records from/to', async () => {
    const { deps, change, events, invalidated } = await harness();

    const user = await setUserRoles(deps, change, 'u1', ['operator', 'viewer', 'operator']);

    assert.deepEqual(user.roles, ['operator', 'viewer']);
    assert.deepEqual(invalidated, ['u1']);
    assert.equal(events.appended[0]?.type, 'security.roles-changed');
    assert.equal(events.appended[0]?.actor, 'admin-1');
    assert.deepEqual(events.appended[0]?.data, { from: ['developer'], to: ['operator', 'viewer'] });
  });

  it('answers "not found" for an unknown user and changes nothing', async () => {
    const { deps, change, events, invalidated } = await harness();

    await assert.rejects(setUserRoles(deps, change, 'nobody', ['admin']), ResourceNotFoundError);

    assert.deepEqual(invalidated, []);
    assert.equal(events.appended.length, 0);
  });
});
