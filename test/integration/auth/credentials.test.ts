import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AuthDeps } from '#functions/auth/deps.ts';
import { totpAt } from '#functions/auth/domain/totp.ts';
import type { User } from '#functions/auth/store/users.ts';
import {
  INVALID_CREDENTIALS,
  login,
  register,
  SECOND_FACTOR_REQUIRED,
} from '#functions/auth/use-cases/credentials.ts';
import { activateTotp, disableTotp } from '#functions/auth/use-cases/second-factor.ts';
import { enrollTotp } from '#functions/auth/use-cases/totp-enrolment.ts';
import { TooManyAttemptsError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { META, rejectsAuthentication, type TestClock, testAuthDeps } from '../../support/auth-deps.ts';
import { wrongTotpCode } from '../../support/auth-fakes.ts';

const PASSWORD = 'correct horse battery staple';
const INVALID_SECOND_FACTOR = 'invalid-second-factor';
const uniqueEmail = (tag: string) => `${tag}-${randomUUID()}@it.nimbus.test`;

async function registered(deps: AuthDeps, tag: string) {
  const email = uniqueEmail(tag);
  const user = await register(deps, { email, password: PASSWORD, name: tag }, null, META);
  return { email, user };
}

/** The user as a principal that logged in with their password just now (step-up passes). */
function freshChange(user: User, clock: TestClock) {
  const caller: Principal = {
    id: user.id,
    kind: 'user',
    roles: [...user.roles],
    permissions: [],
    sessionId: null,
    orgId: user.orgId,
    authTime: Math.floor(clock.now().getTime() / 1000),
  };
  return { caller, password: undefined, ip: META.ip, correlationId: META.correlationId };
}

/** A registered user with an activated authenticator; the clock has moved on one TOTP step. */
async function withTotp(deps: AuthDeps, clock: TestClock) {
  const { email, user } = await registered(deps, 'totp');
  const { secret } = await enrollTotp(deps, user, freshChange(user, clock));
  const enrolling = await deps.users.get(user.id);
  assert.ok(enrolling, 'precondition: the user exists');
  const backupCodes = await activateTotp(
    deps,
    enrolling,
    totpAt(secret, clock.now().getTime()),
    freshChange(user, clock),
  );
  assert.ok(backupCodes, 'precondition: activation accepted the code');
  // The activation code's step is spent; the next login uses the following one.
  clock.advance(30);
  return { email, user, secret, backupCodes };
}

describe('login on the real stores', () => {
  it('the right password opens a session for the user', async () => {
    const { deps, keyring } = await testAuthDeps();
    const { email, user } = await registered(deps, 'login');

    const pair = await login(deps, { email: email.toUpperCase(), password: PASSWORD }, META);

    assert.equal((await keyring.verifier.verify(pair.accessToken)).sub, user.id);
    assert.equal((await deps.sessions.get(user.id, pair.sessionId))?.revokedAt, null);
  });

  it('a wrong password and an unknown email are refused alike', async () => {
    const { deps } = await testAuthDeps();
    const { email } = await registered(deps, 'login');

    const wrong = await rejectsAuthentication(
      login(deps, { email, password: 'not the password' }, META),
      INVALID_CREDENTIALS,
    );
    const unknown = await rejectsAuthentication(
      login(deps, { email: uniqueEmail('nobody'), password: PASSWORD }, META),
      INVALID_CREDENTIALS,
    );

    assert.equal(wrong.code, unknown.code);
    assert.equal(wrong.message, unknown.message);
  });

  it('a user with TOTP on must send a second factor', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email } = await withTotp(deps, clock);

    await rejectsAuthentication(login(deps, { email, password: PASSWORD }, META), SECOND_FACTOR_REQUIRED);
    await rejectsAuthentication(
      login(deps, { email, password: PASSWORD, totp: '' }, META),
      SECOND_FACTOR_REQUIRED,
    );
  });

  it('a wrong password is refused before the second factor is asked for', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email } = await withTotp(deps, clock);

    await rejectsAuthentication(
      login(deps, { email, password: 'not the password' }, META),
      INVALID_CREDENTIALS,
    );
  });

  it('a TOTP code logs in once; the same code again is refused', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email, user, secret } = await withTotp(deps, clock);
    const code = totpAt(secret, clock.now().getTime());

    const pair = await login(deps, { email, password: PASSWORD, totp: code }, META);
    const replay = login(deps, { email, password: PASSWORD, totp: code }, META);

    assert.equal(pair.sessionId.length > 0, true);
    await rejectsAuthentication(replay, INVALID_SECOND_FACTOR);
    assert.equal((await deps.users.get(user.id))?.totp.lastStep, Math.floor(clock.now().getTime() / 30_000));
  });

  it('a wrong TOTP code is refused', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email, secret } = await withTotp(deps, clock);
    const code = totpAt(secret, clock.now().getTime());
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    await rejectsAuthentication(
      login(deps, { email, password: PASSWORD, totp: wrong }, META),
      INVALID_SECOND_FACTOR,
    );
  });

  it('a backup code logs in once and is then spent; the others still work', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email, user, backupCodes } = await withTotp(deps, clock);
    const [first, second] = backupCodes;
    assert.ok(first && second, 'precondition: backup codes were issued');

    await login(deps, { email, password: PASSWORD, totp: first }, META);
    await rejectsAuthentication(
      login(deps, { email, password: PASSWORD, totp: first }, META),
      INVALID_SECOND_FACTOR,
    );
    await login(deps, { email, password: PASSWORD, totp: second.toUpperCase() }, META);

    assert.equal((await deps.users.get(user.id))?.totp.backupHashes.length, backupCodes.length - 2);
  });
});

describe('the second-factor budget on the real stores', () => {
  const lockedOut = (error: unknown) =>
    error instanceof TooManyAttemptsError && error.code === 'second-factor-locked';

  it('locks the account after 10 wrong codes from 10 addresses, refusing the right code, audited', async () => {
    const { deps, clock, counted } = await testAuthDeps();
    const { email, user, secret } = await withTotp(deps, clock);
    const now = clock.now().getTime();
    const from = (n: number) => ({ ...META, ip: `198.51.100.${n}` });

    for (let i = 0; i < 9; i++) {
      await rejectsAuthentication(
        login(deps, { email, password: PASSWORD, totp: wrongTotpCode(secret, now) }, from(i)),
        INVALID_SECOND_FACTOR,
      );
    }
    await assert.rejects(
      login(deps, { email, password: PASSWORD, totp: wrongTotpCode(secret, now) }, from(9)),
      lockedOut,
    );
    await assert.rejects(
      login(deps, { email, password: PASSWORD, totp: totpAt(secret, now) }, from(10)),
      lockedOut,
    );

    const events = await deps.events.list(`user:${user.id}`);
    assert.equal(events.filter((e) => e.type === 'security.second-factor-locked').length, 1);
    assert.equal(counted.filter((m) => m === 'SecondFactorLockouts').length, 1);
  });

  it('counts wrong codes on disable in the same budget as login, audits them, and a success clears it', async () => {
    const { deps, clock } = await testAuthDeps();
    const { email, user, secret } = await withTotp(deps, clock);
    const now = clock.now().getTime();
    const enabled = await deps.users.get(user.id);
    assert.ok(enabled);
    for (let i = 0; i < 5; i++) {
      await rejectsAuthentication(
        login(deps, { email, password: PASSWORD, totp: wrongTotpCode(secret, now) }, META),
        INVALID_SECOND_FACTOR,
      );
    }
    for (let i = 0; i < 4; i++) {
      await rejectsAuthentication(
        disableTotp(deps, enabled, wrongTotpCode(secret, now), freshChange(user, clock)),
        INVALID_SECOND_FACTOR,
      );
    }

    // The budget's 10th attempt is the right code: it passes, and the count starts over.
    await disableTotp(deps, enabled, totpAt(secret, now), freshChange(user, clock));

    assert.equal((await deps.users.get(user.id))?.totp.enabled, false);
    const events = await deps.events.list(`user:${user.id}`);
    assert.equal(events.filter((e) => e.type === 'security.second-factor-failed').length, 4);
  });
});
