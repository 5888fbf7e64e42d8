import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateBackupCodes, hashBackupCode } from '#functions/auth/domain/backup-codes.ts';
import { verifyPassword } from '#functions/auth/domain/password.ts';
import { generateTotpSecret, totpAt } from '#functions/auth/domain/totp.ts';
import { NO_TOTP, type TotpState } from '#functions/auth/store/users.ts';
import { login } from '#functions/auth/use-cases/credentials.ts';
import { activateTotp, disableTotp } from '#functions/auth/use-cases/second-factor.ts';
import { seal } from '#shared/crypto-box.ts';
import { AuthenticationFailedError, TooManyAttemptsError } from '#shared/domain-errors.ts';
import {
  addUser,
  fakeAuthDeps,
  loggedInSince,
  TEST_PASSWORD,
  wrongTotpCode,
} from '../../support/auth-fakes.ts';

type Harness = Awaited<ReturnType<typeof fakeAuthDeps>>;

const EMAIL = 'user-1@nimbus.test';
const meta = (n: number) => ({ ip: `198.51.100.${n}`, userAgent: 'unit', correlationId: `corr-${n}` });
const lockedOut = (error: unknown) =>
  error instanceof TooManyAttemptsError && error.code === 'second-factor-locked';
const wrongSecondFactor = (error: unknown) =>
  error instanceof AuthenticationFailedError && error.code === 'invalid-second-factor';

/** user-1 with an active authenticator and three backup codes, stored as `hashes` says. */
async function withTotp(
  h: Harness,
  hashes: (codes: string[]) => string[] = (codes) => codes.map((c) => hashBackupCode(c, h.backupCodeKey)),
) {
  const secret = generateTotpSecret();
  const backupCodes = generateBackupCodes(3);
  const totp: TotpState = {
    secretSealed: seal(secret, await h.deps.dataKey(), 'totp:user-1'),
    pendingSealed: null,
    enabled: true,
    lastStep: null,
    backupHashes: hashes(backupCodes),
  };
  const user = await addUser(h.users, { totp });
  return { user, secret, backupCodes };
}

describe('second-factor budget at login', () => {
  it('locks the account after 10 wrong codes from 10 addresses; the right code is then refused', async () => {
    const h = await fakeAuthDeps();
    const { secret } = await withTotp(h);
    const now = h.clock.now().getTime();

    for (let i = 0; i < 9; i++) {
      await assert.rejects(
        login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: wrongTotpCode(secret, now) }, meta(i)),
        wrongSecondFactor,
      );
    }
    await assert.rejects(
      login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: wrongTotpCode(secret, now) }, meta(9)),
      lockedOut,
    );
    await assert.rejects(
      login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: totpAt(secret, now) }, meta(10)),
      lockedOut,
    );
    assert.equal(h.sessions.sessions.size, 0);
    assert.equal(h.events.appended.filter((e) => e.type === 'security.second-factor-locked').length, 1);
  });

  it('counts wrong backup codes in the same budget as wrong TOTP codes', async () => {
    const h = await fakeAuthDeps();
    const { secret } = await withTotp(h);
    const now = h.clock.now().getTime();

    for (let i = 0; i < 9; i++) {
      const totp = i % 2 === 0 ? `zzzz${i}-zzzzz` : wrongTotpCode(secret, now);
      await assert.rejects(login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp }, meta(i)));
    }

    await assert.rejects(
      login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: 'yyyyy-yyyyy' }, meta(9)),
      lockedOut,
    );
  });

  it('a right code after wrong ones logs in and clears the count', async () => {
    const h = await fakeAuthDeps();
    const { secret } = await withTotp(h);
    const now = h.clock.now().getTime();
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: wrongTotpCode(secret, now) }, meta(i)),
      );
    }

    await login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: totpAt(secret, now) }, meta(5));

    assert.equal(h.budgets.states.get('user-1/second-factor')?.failures, 0);
  });
});

describe('second-factor budget on /v1/auth/totp/disable and /activate', () => {
  it('audits every wrong code on disable and locks after the budget, refusing the right code then', async () => {
    const h = await fakeAuthDeps();
    const { user, secret } = await withTotp(h);
    const now = h.clock.now().getTime();
    const change = {
      caller: loggedInSince(h.clock, 60),
      password: undefined,
      ip: '203.0.113.5',
      correlationId: 'c',
    };

    for (let i = 0; i < 9; i++) {
      await assert.rejects(disableTotp(h.deps, user, wrongTotpCode(secret, now), change), wrongSecondFactor);
    }
    await assert.rejects(disableTotp(h.deps, user, wrongTotpCode(secret, now), change), lockedOut);
    await assert.rejects(disableTotp(h.deps, user, totpAt(secret, now), change), lockedOut);

    const failed = h.events.appended.filter((e) => e.type === 'security.second-factor-failed');
    assert.equal(failed.length, 9);
    assert.deepEqual(failed[0]?.data, { via: 'totp-disable', ip: '203.0.113.5' });
    assert.equal((await h.users.get('user-1'))?.totp.enabled, true);
  });

  it('shares the budget between login and disable', async () => {
    const h = await fakeAuthDeps();
    const { user, secret } = await withTotp(h);
    const now = h.clock.now().getTime();
    const change = { caller: loggedInSince(h.clock, 60), password: undefined, ip: null, correlationId: 'c' };
    for (let i = 0; i < 9; i++) {
      await assert.rejects(
        login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: wrongTotpCode(secret, now) }, meta(i)),
      );
    }

    await assert.rejects(disableTotp(h.deps, user, wrongTotpCode(secret, now), change), lockedOut);
  });

  it('spends the budget on wrong activation codes, audited', async () => {
    const h = await fakeAuthDeps();
    const secret = generateTotpSecret();
    const pendingSealed = seal(secret, await h.deps.dataKey(), 'totp:user-1');
    const user = await addUser(h.users, { totp: { ...NO_TOTP, pendingSealed } });
    const now = h.clock.now().getTime();
    const change = { caller: loggedInSince(h.clock, 60), password: undefined, ip: null, correlationId: 'c' };

    for (let i = 0; i < 9; i++) {
      await assert.rejects(activateTotp(h.deps, user, wrongTotpCode(secret, now), change), wrongSecondFactor);
    }
    await assert.rejects(activateTotp(h.deps, user, wrongTotpCode(secret, now), change), lockedOut);
    await assert.rejects(activateTotp(h.deps, user, totpAt(secret, now), change), lockedOut);

    assert.equal(h.events.appended.filter((e) => e.type === 'security.second-factor-failed').length, 9);
    assert.equal((await h.users.get('user-1'))?.totp.enabled, false);
  });
});

describe('backup codes at rest', () => {
  it('are stored as keyed HMACs, which a plain hash of the code does not match, and log in once', async () => {
    const h = await fakeAuthDeps();
    const secret = generateTotpSecret();
    const pendingSealed = seal(secret, await h.deps.dataKey(), 'totp:user-1');
    const user = await addUser(h.users, { totp: { ...NO_TOTP, pendingSealed } });
    const change = { caller: loggedInSince(h.clock, 60), password: undefined, ip: null, correlationId: 'c' };

    const codes = await activateTotp(h.deps, user, totpAt(secret, h.clock.now().getTime()), change);
    const stored = (await h.users.get('user-1'))?.totp.backupHashes ?? [];
    const [first] = codes;
    assert.ok(first);

    assert.equal(stored.length, 10);
    assert.ok(stored.every((hash) => /^h1:[0-9a-f]{64}$/.test(hash)));
    const plain = createHash('sha256').update(first.replace('-', '')).digest('hex');
    assert.ok(!stored.some((hash) => hash.includes(plain)));
    await login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: first }, meta(1));
    await assert.rejects(
      login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: first }, meta(2)),
      wrongSecondFactor,
    );
  });

  it('still accepts a code stored as a legacy sha256, once, and upgrades the others to HMACs', async () => {
    const h = await fakeAuthDeps();
    const legacy = (codes: string[]) =>
      codes.map((code) => createHash('sha256').update(code.replace('-', '')).digest('hex'));
    const { backupCodes } = await withTotp(h, legacy);
    const [first, second] = backupCodes;
    assert.ok(first && second);

    await login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: first }, meta(1));

    const stored = (await h.users.get('user-1'))?.totp.backupHashes ?? [];
    assert.equal(stored.length, 2);
    assert.ok(stored.every((hash) => hash.startsWith('h1:')));
    await assert.rejects(
      login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: first }, meta(2)),
      wrongSecondFactor,
    );
    await login(h.deps, { email: EMAIL, password: TEST_PASSWORD, totp: second }, meta(3));
  });
});

describe('password rehash at login', () => {
  it('re-hashes a password stored with weaker scrypt parameters at the next successful login', async () => {
    const h = await fakeAuthDeps();
    await addUser(h.users);

    await login(h.deps, { email: EMAIL, password: TEST_PASSWORD }, meta(1));

    const stored = (await h.users.get('user-1'))?.passwordHash ?? '';
    assert.match(stored, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword(TEST_PASSWORD, stored), true);
  });

  it('leaves the weak hash alone when the password is wrong', async () => {
    const h = await fakeAuthDeps();
    const user = await addUser(h.users);

    await assert.rejects(login(h.deps, { email: EMAIL, password: 'not the password' }, meta(1)));

    assert.equal((await h.users.get('user-1'))?.passwordHash, user.passwordHash);
  });
});
