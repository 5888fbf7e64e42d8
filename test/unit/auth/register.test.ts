import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthConfig } from '#functions/auth/config.ts';
import { register } from '#functions/auth/use-cases/credentials.ts';
import { STAGE_CONFIGS } from '#lib/config/stages.ts';
import { ConflictingStateError, NotPermittedError } from '#shared/domain-errors.ts';
import { manualClock, memoryEventStore, memoryUserStore, userPrincipal } from '../../support/fakes.ts';

const META = { ip: '203.0.113.7', userAgent: 'unit-test', correlationId: 'corr-1' };
const INPUT = { email: 'New.Person@Nimbus.test', password: 'correct horse battery staple', name: ' New ' };

function harness(registration: AuthConfig['registration']) {
  const clock = manualClock();
  const users = memoryUserStore();
  const events = memoryEventStore(clock.now);
  const deps = { config: { ...STAGE_CONFIGS.local.auth, registration }, users, events, now: clock.now };
  return { deps, users, events };
}

describe('register', () => {
  it('lets anyone register where registration is open, as a developer of an organisation of their own', async () => {
    const { deps, events } = harness('open');

    const user = await register(deps, INPUT, null, META);

    assert.equal(user.email, 'new.person@nimbus.test');
    assert.equal(user.name, 'New');
    assert.deepEqual(user.roles, ['developer']);
    assert.match(user.orgId, /^org_/);
    assert.notEqual(user.passwordHash, INPUT.password);
    assert.equal(events.appended[0]?.type, 'user.registered');
    assert.equal(events.appended[0]?.actor, user.id);
  });

  it('refuses an anonymous caller where registration is by administrators only', async () => {
    const { deps, users } = harness('admin');

    await assert.rejects(register(deps, INPUT, null, META), NotPermittedError);
    assert.equal(users.users.size, 0);
  });

  it('refuses a signed-in caller without users:admin where registration is by administrators only', async () => {
    const { deps } = harness('admin');

    await assert.rejects(register(deps, INPUT, userPrincipal(), META), NotPermittedError);
  });

  it('admits a caller holding users:admin, or the users:* wildcard, or *, and records who registered', async () => {
    for (const held of ['users:admin', 'users:*', '*']) {
      const { deps, events } = harness('admin');
      const caller = userPrincipal({ id: `admin-${held}`, permissions: [held] });

      const user = await register(deps, INPUT, caller, META);

      assert.equal(user.email, 'new.person@nimbus.test', held);
      assert.equal(events.appended[0]?.actor, `admin-${held}`, held);
    }
  });

  it('refuses an email already taken, whatever its case', async () => {
    const { deps } = harness('open');
    await register(deps, INPUT, null, META);

    await assert.rejects(
      register(deps, { ...INPUT, email: 'NEW.PERSON@nimbus.test' }, null, META),
      ConflictingStateError,
    );
  });
});
