import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthConfig } from '#functions/auth/config.ts';
import { register, registerOpen } from '#functions/auth/use-cases/credentials.ts';
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

describe('registerOpen (the public route)', () => {
  // Regression (issue 9): a taken email answered 409, so the route told anyone who has an account.
  it('answers a taken email exactly as a new one, creating nobody the second time', async () => {
    const { deps, users } = harness('open');

    const fresh = await registerOpen(deps, INPUT, META);
    const taken = await registerOpen(
      deps,
      { ...INPUT, email: ' NEW.person@nimbus.TEST ', name: 'Other' },
      META,
    );

    assert.deepEqual(taken, fresh);
    assert.equal(users.users.size, 1);
  });

  it('audits the attempt on a taken email under that account, with the source IP (no mail sender yet)', async () => {
    const { deps, events } = harness('open');
    await registerOpen(deps, INPUT, META);
    const owner = await deps.users.findByEmail(INPUT.email);

    await registerOpen(deps, INPUT, { ...META, correlationId: 'corr-2' });

    const attempt = events.appended.at(-1);
    assert.equal(attempt?.type, 'security.registration-email-taken');
    assert.equal(attempt?.subject, `user:${owner?.id}`);
    assert.equal(attempt?.correlationId, 'corr-2');
    assert.deepEqual(attempt?.data, { ip: META.ip });
  });

  it('refuses everybody where registration is by administrators only', async () => {
    const { deps, users } = harness('admin');

    await assert.rejects(registerOpen(deps, INPUT, META), NotPermittedError);
    assert.equal(users.users.size, 0);
  });
});
