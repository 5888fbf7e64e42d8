import {
  type ApiKeyEnvironment,
  apiKeySettingsFromEnv,
  apiKeysEnvironment,
} from '#shared/config/api-keys.ts';
import { intEnv, requireEnv } from '#shared/env.ts';

/** Identity settings, set by the CDK from the stage config (`lib/config/stages.ts`, `auth`). */
export interface AuthConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  /** A refresh token unused this long dies. */
  readonly refreshIdleSeconds: number;
  /** A login's session (refresh family) dies this long after login whatever happens. */
  readonly refreshAbsoluteSeconds: number;
  /** A just-rotated refresh token is still accepted this long (concurrent refreshes). */
  readonly refreshReuseGraceSeconds: number;
  /**
   * TTL of the authorizer's verdicts on sessions and API keys: the longest a revocation takes when
   * its invalidation could not reach Redis (otherwise 1 s; docs/decisions/0004-identity.md).
   */
  readonly authorizerCacheSeconds: number;
  /** Who may call POST /v1/auth/register: anyone, or only admins (invitations go through admins). */
  readonly registration: 'open' | 'admin';
  /** API keys are `nmb_live_...` on production-like stages, `nmb_test_...` elsewhere. */
  readonly apiKeyEnvironment: ApiKeyEnvironment;
  /**
   * A sensitive change (TOTP, API keys, roles) needs the password, or a password login at most
   * this long ago (the access token's `auth_time`).
   */
  readonly stepUpMaxAgeSeconds: number;
  /** Wrong second-factor codes (or step-up passwords) an account may send before it is locked. */
  readonly attemptBudget: number;
  /** The first lockout lasts this long; each further one without a success in between doubles it. */
  readonly lockoutSeconds: number;
  /** Ceiling of the doubling lockout. */
  readonly maxLockoutSeconds: number;
}

export function authConfigFromEnv(): AuthConfig {
  const registration = requireEnv('NIMBUS_REGISTRATION');
  if (registration !== 'open' && registration !== 'admin')
    throw new Error('NIMBUS_REGISTRATION must be open|admin');
  const lockoutSeconds = intEnv('NIMBUS_LOCKOUT_SECONDS', 900);
  const maxLockoutSeconds = intEnv('NIMBUS_MAX_LOCKOUT_SECONDS', 86_400);
  const attemptBudget = intEnv('NIMBUS_ATTEMPT_BUDGET', 10);
  // A budget of 0 would lock every account at its first code; a lockout of 0 would not lock at all.
  if (attemptBudget < 1) throw new Error('NIMBUS_ATTEMPT_BUDGET must be at least 1');
  if (lockoutSeconds < 1 || maxLockoutSeconds < lockoutSeconds)
    throw new Error('NIMBUS_LOCKOUT_SECONDS must be at least 1 and at most NIMBUS_MAX_LOCKOUT_SECONDS');
  return {
    issuer: requireEnv('NIMBUS_JWT_ISSUER'),
    audience: requireEnv('NIMBUS_JWT_AUDIENCE'),
    accessTokenTtlSeconds: intEnv('NIMBUS_ACCESS_TTL_SECONDS', 900),
    refreshIdleSeconds: intEnv('NIMBUS_REFRESH_IDLE_SECONDS', 604_800),
    refreshAbsoluteSeconds: intEnv('NIMBUS_REFRESH_ABSOLUTE_SECONDS', 2_592_000),
    refreshReuseGraceSeconds: intEnv('NIMBUS_REFRESH_GRACE_SECONDS', 10),
    authorizerCacheSeconds: intEnv('NIMBUS_AUTHORIZER_CACHE_SECONDS', 30),
    registration,
    apiKeyEnvironment: apiKeySettingsFromEnv().environment,
    stepUpMaxAgeSeconds: intEnv('NIMBUS_STEP_UP_MAX_AGE_SECONDS', 300),
    attemptBudget,
    lockoutSeconds,
    maxLockoutSeconds,
  };
}

/** The environment variables above, from a stage's `auth` block (used by the CDK). */
export function authEnvironment(auth: AuthConfig): Record<string, string> {
  return {
    NIMBUS_JWT_ISSUER: auth.issuer,
    NIMBUS_JWT_AUDIENCE: auth.audience,
    NIMBUS_ACCESS_TTL_SECONDS: String(auth.accessTokenTtlSeconds),
    NIMBUS_REFRESH_IDLE_SECONDS: String(auth.refreshIdleSeconds),
    NIMBUS_REFRESH_ABSOLUTE_SECONDS: String(auth.refreshAbsoluteSeconds),
    NIMBUS_REFRESH_GRACE_SECONDS: String(auth.refreshReuseGraceSeconds),
    NIMBUS_AUTHORIZER_CACHE_SECONDS: String(auth.authorizerCacheSeconds),
    NIMBUS_REGISTRATION: auth.registration,
    ...apiKeysEnvironment({ environment: auth.apiKeyEnvironment }),
    NIMBUS_STEP_UP_MAX_AGE_SECONDS: String(auth.stepUpMaxAgeSeconds),
    NIMBUS_ATTEMPT_BUDGET: String(auth.attemptBudget),
    NIMBUS_LOCKOUT_SECONDS: String(auth.lockoutSeconds),
    NIMBUS_MAX_LOCKOUT_SECONDS: String(auth.maxLockoutSeconds),
  };
}

/**
 * Signing-key rotation, set by the CDK from the stage config (`auth.signingKeyRotationDays`,
 * `features.secretRotationSchedule`): how often, and who rotates. `secrets-manager`: the target runs
 * a rotation schedule that calls the rotation function, so the admin route calls `RotateSecret`
 * and the daily job leaves the key alone. `nimbus`: the target calls no rotation function (the local
 * emulator), so the admin route and the daily job run the same four steps themselves.
 */
export interface SigningKeyRotationSettings {
  readonly everyDays: number;
  readonly rotatedBy: 'secrets-manager' | 'nimbus';
}

export function signingKeyRotationFromEnv(): SigningKeyRotationSettings {
  const rotatedBy = requireEnv('NIMBUS_SIGNING_KEY_ROTATED_BY');
  if (rotatedBy !== 'secrets-manager' && rotatedBy !== 'nimbus')
    throw new Error('NIMBUS_SIGNING_KEY_ROTATED_BY must be secrets-manager|nimbus');
  const everyDays = intEnv('NIMBUS_SIGNING_KEY_ROTATION_DAYS', 30);
  // Secrets Manager accepts 1 to 1000 days between rotations.
  if (everyDays < 1 || everyDays > 1000)
    throw new Error('NIMBUS_SIGNING_KEY_ROTATION_DAYS must be between 1 and 1000');
  return { everyDays, rotatedBy };
}

/** The variables above, from the stage's rotation period and whether its target runs a schedule. */
export function signingKeyRotationEnvironment(settings: {
  readonly everyDays: number;
  readonly secretRotationSchedule: boolean;
}): Record<string, string> {
  return {
    NIMBUS_SIGNING_KEY_ROTATION_DAYS: String(settings.everyDays),
    NIMBUS_SIGNING_KEY_ROTATED_BY: settings.secretRotationSchedule ? 'secrets-manager' : 'nimbus',
  };
}
