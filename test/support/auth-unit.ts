import assert from 'node:assert/strict';
import type { AuthConfig } from '#functions/auth/config.ts';
import type { KeySet } from '#functions/auth/domain/jwt.ts';
import { type Keyring, ringOf } from '#functions/auth/store/keyring.ts';
import { AuthenticationFailedError } from '#shared/domain-errors.ts';

/** Identity settings of the unit tests (no stage, no environment). */
export const UNIT_AUTH: AuthConfig = {
  issuer: 'https://auth.nimbus.test',
  audience: 'nimbus-api',
  accessTokenTtlSeconds: 900,
  refreshIdleSeconds: 3600,
  refreshAbsoluteSeconds: 86_400,
  refreshReuseGraceSeconds: 10,
  authorizerCacheSeconds: 30,
  registration: 'open',
  apiKeyEnvironment: 'test',
  stepUpMaxAgeSeconds: 300,
  attemptBudget: 10,
  lockoutSeconds: 900,
  maxLockoutSeconds: 86_400,
};

/** Asserts an `AuthenticationFailedError` with the given code. */
export async function refusedWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AuthenticationFailedError, `expected AuthenticationFailedError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** A keyring of `keySet` that never changes, on the test's clock (epoch ms). */
export function staticKeyring(keySet: KeySet, now: () => number, config: AuthConfig = UNIT_AUTH): Keyring {
  return ringOf(config, keySet, now);
}
