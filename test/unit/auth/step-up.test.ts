import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateTotpSecret, totpAt } from '#functions/auth/domain/totp.ts';
import { NO_TOTP } from '#functions/auth/store/users.ts';
import { login } from '#functions/auth/use-cases/credentials.ts';
import { setUserRoles } from '#functions/auth/use-cases/roles.ts';
import { activateTotp, disableTotp } from '#functions/auth/use-cases/second-factor.ts';
import { refreshSession } from '#functions/auth/use-cases/session-tokens.ts';
import { confirmStepUp, type SensitiveChange } from '#functions/auth/use-cases/step-up.ts';
import { enrollTotp } from '#functions/auth/use-cases/totp-enrolment.ts';
import { seal } from '#shared/crypto-box.ts';
import { AuthenticationFailedError, TooManyAttemptsError } from '#shared/domain-errors.ts';
import { addUser, fakeAuthDeps, loggedInSince, TEST_PASSWORD } from '../../support/auth-fakes.ts';

type Harness = Awaited<ReturnType<typeof fakeAuthDeps>>;

interface SensitiveRoute {
  readonly name: string;
  /** Puts user-1 (and whoever else) in the state the change starts from; returns the change to make. */
  setup(h: Harness): Promise<(change: SensitiveChange) => Promise<unknown>>;
  /** Whether the change happened. */
  changed(h: Harness): Promise<boolean>;
}

const META = { ip: '203.0.113.5', userAgent: 'unit', correlationId: 'corr-1' };
const sealedFor = async (h: Harness, secret: string) => seal(secret, await h.deps.dataKey(), 'totp:user-1');

const ROUTES: readonly SensitiveRoute[] = [
  {
    name: 'POST /v1/auth/totp/enroll',
    async setup(h) {
      const user = await addUser(h.users);
      return (change) => enrollTotp(h.deps, user, change);
    },
    changed: async (h) => (await h.users.get('user-1'))?.totp.pendingSealed !== null,
  },
  {
    name: 'POST /v1/auth/totp/activate',
    async setup(h) {
      const secret = generateTotpSecret();
      const user = await addUser(h.users, {
        totp: { ...NO_TOTP, pendingSealed: await sealedFor(h, secret) },
      });
      return (change) => activateTotp(h.deps, user, totpAt(secret, h.clock.now().getTime()), change);
    },
    changed: async (h) => (await h.users.get('user-1'))?.totp.enabled === true,
  },
  {
    name: 'POST /v1/auth/totp/disable',
    async setup(h) {
      const secret = generateTotpSecret();
      const sealed = await sealedFor(h, secret);
      const totp = { ...NO_TOTP, secretSealed: sealed, enabled: true };
      const user = await addUser(h.users, { totp });
      return (change) => disableTotp(h.deps, user, totpAt(secret, h.clock.now().getTime()), change);
    },
    changed: async (h) => (await h.users.get('user-1'))?.totp.enabled === false,
  },
  {
    name: 'POST /v1/admin/users/{userId}/roles',
    async setup(h) {
      await addUser(h.users, { roles: ['admin'] });
      await addUser(h.users, { id: 'user-2', email: 'user-2@nimbus.test' });
      return (change) => setUserRoles(h.deps, change, 'user-2', ['viewer']);
    },
    changed: async (h) => (await h.users.get('user-2'))?.roles.includes('viewer') === true,
  },
];

const change = (h: Harness, ageSeconds: number, password?: string): SensitiveChange => ({
  caller: loggedInSince(h.clock, ageSeconds),
  password,
  ip: '203.0.113.5',
  correlationId: 'corr-1',
});

const refusedWith = (code: string) => (error: unknown) =>
  error instanceof AuthenticationFailedError && error.code === code;

for (const route of ROUTES) {
  describe(`step-up on ${route.name}`, () => {
    it('passes for a password login of a minute ago', async () => {
      const h = await fakeAuthDeps();
      const run = await route.setup(h);

      await run(change(h, 60));

      assert.equal(await route.changed(h), true);
    });

    it('refuses a login older than the step-up window without a password: step-up-required', async () => {
      const h = await fakeAuthDeps();
      const run = await route.setup(h);

      await assert.rejects(
        run(change(h, h.deps.config.stepUpMaxAgeSeconds + 1)),
        refusedWith('step-up-required'),
      );

      assert.equal(await route.changed(h), false);
      assert.deepEqual(h.counted, ['StepUpRequired']);
    });

    it('passes for a stale login that sends the right password', async () => {
      const h = await fakeAuthDeps();
      const run = await route.setup(h);

      await run(change(h, 3600, TEST_PASSWORD));

      assert.equal(await route.changed(h), true);
    });

    it('refuses a wrong password, even on a fresh login, audited as a failed login', async () => {
      const h = await fakeAuthDeps();
      const run = await route.setup(h);

      await assert.rejects(run(change(h, 60, 'not the password')), refusedWith('invalid-credentials'));

      assert.equal(await route.changed(h), false);
      const failed = h.events.appended.filter((e) => e.type === 'security.login-failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.subject, 'user:user-1');
      assert.equal(failed[0]?.data.reason, 'step-up');
      assert.equal(failed[0]?.data.ip, '203.0.113.5');
    });
  });
}

describe('auth_time in access tokens', () => {
  it('is the time of the password login, and a refresh later keeps it', async () => {
    const h = await fakeAuthDeps();
    await addUser(h.users);
    const loginSeconds = Math.floor(h.clock.now().getTime() / 1000);
    const pair = await login(h.deps, { email: 'user-1@nimbus.test', password: TEST_PASSWORD }, META);

    h.clock.advance(10 * 60_000);
    const refreshed = await refreshSession(h.deps, pair.refreshToken, META);

    assert.equal((await h.keyring.verifier.verify(pair.accessToken)).auth_time, loginSeconds);
    const claims = await h.keyring.verifier.verify(refreshed.accessToken);
    assert.equal(claims.auth_time, loginSeconds);
    assert.ok(claims.iat > loginSeconds, 'precondition: the refreshed token is newer');
  });
});

describe('confirmStepUp', () => {
  it('asks an API key (no password login) for the password', async () => {
    const h = await fakeAuthDeps();
    await addUser(h.users);
    const caller = loggedInSince(h.clock, 0, { kind: 'api-key', sessionId: null, authTime: null });

    await assert.rejects(
      confirmStepUp(h.deps, {
        caller,
        password: undefined,
        via: 'keys-create',
        ip: null,
        correlationId: 'c',
      }),
      refusedWith('step-up-required'),
    );
  });

  it('asks a token without auth_time (issued before the claim) for the password', async () => {
    const h = await fakeAuthDeps();
    const caller = loggedInSince(h.clock, 0, { authTime: null });

    await assert.rejects(
      confirmStepUp(h.deps, {
        caller,
        password: undefined,
        via: 'totp-enroll',
        ip: null,
        correlationId: 'c',
      }),
      refusedWith('step-up-required'),
    );
  });

  it('bounds password guessing through step-up: after the budget, even the right password is refused', async () => {
    const h = await fakeAuthDeps();
    await addUser(h.users);
    const request = (password: string) => ({
      caller: loggedInSince(h.clock, 3600),
      password,
      via: 'totp-disable',
      ip: null,
      correlationId: 'c',
    });
    for (let i = 0; i < 9; i++) {
      await assert.rejects(confirmStepUp(h.deps, request(`guess-${i}`)), refusedWith('invalid-credentials'));
    }

    await assert.rejects(
      confirmStepUp(h.deps, request('guess-9')),
      (error: unknown) => error instanceof TooManyAttemptsError && error.code === 'step-up-locked',
    );
    await assert.rejects(
      confirmStepUp(h.deps, request(TEST_PASSWORD)),
      (error: unknown) => error instanceof TooManyAttemptsError && error.code === 'step-up-locked',
    );
  });
});
