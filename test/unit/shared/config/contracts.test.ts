import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AuthConfig,
  authConfigFromEnv,
  authEnvironment,
  signingKeyRotationEnvironment,
  signingKeyRotationFromEnv,
} from '#functions/auth/config.ts';
import {
  apiKeyRotationEnvironment,
  apiKeyRotationSettingsFromEnv,
  apiKeySettingsFromEnv,
  apiKeysEnvironment,
} from '#shared/config/api-keys.ts';
import { BINDING_ENV, type Binding, bindingsEnvironment, boundResource } from '#shared/config/bindings.ts';
import { buildEnvironment, buildInfoFromEnv } from '#shared/config/build.ts';
import { httpEnvironment, httpSettingsFromEnv } from '#shared/config/http.ts';
import { powertoolsEnvironment, tracingFromEnv } from '#shared/config/powertools.ts';
import { privacyEnvironment, privacySettingsFromEnv } from '#shared/config/privacy.ts';
import { rateLimitConfigFromEnv, rateLimitEnvironment } from '#shared/config/rate-limits.ts';
import { redisEnvironment, redisSettingsFromEnv } from '#shared/config/redis.ts';
import { resolveScopes } from '#shared/ratelimit/scopes.ts';

/**
 * Runs `read` with exactly `env` as the process environment (plus PATH-like basics untouched by
 * the contracts), so a reader sees only what its writer wrote.
 */
function withEnv<T>(env: Readonly<Record<string, string>>, read: () => T): T {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (/^(NIMBUS_|UPSTASH_|POWERTOOLS_)|_TABLE_NAME$|_SECRET_ARN$/.test(name)) delete process.env[name];
  }
  Object.assign(process.env, env);
  try {
    return read();
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

describe('environment contracts: what the CDK writes is what the functions read', () => {
  it('bindings: every bound table and secret round-trips, each under its own variable', () => {
    const values = Object.fromEntries(
      (Object.keys(BINDING_ENV) as Binding[]).map((binding) => [binding, `value-of-${binding}`]),
    ) as Record<Binding, string>;
    const env = bindingsEnvironment(values);

    assert.equal(new Set(Object.keys(env)).size, Object.keys(BINDING_ENV).length);
    for (const binding of Object.keys(BINDING_ENV) as Binding[]) {
      assert.equal(
        withEnv(env, () => boundResource(binding)),
        values[binding],
      );
    }
  });

  it('bindings: a function without the binding fails naming the variable', () => {
    assert.throws(() => withEnv({}, () => boundResource('dataKeySecret')), /DATA_KEY_SECRET_ARN/);
  });

  it('redis: URL, health timeout and a directly given token round-trip', () => {
    const settings = { restUrl: 'https://db.upstash.io', healthTimeoutMs: 800, token: 'tok' };

    assert.deepEqual(withEnv(redisEnvironment(settings), redisSettingsFromEnv), settings);
  });

  it('redis: the stage config writes no token (functions read it from the secret)', () => {
    const env = redisEnvironment({ restUrl: 'https://db.upstash.io', healthTimeoutMs: 500 });

    assert.deepEqual(withEnv(env, redisSettingsFromEnv), {
      restUrl: 'https://db.upstash.io',
      healthTimeoutMs: 500,
    });
  });

  it('rate limits: the stage overrides and the Redis tuning round-trip', () => {
    const overrides = { global: { limit: 5 }, auth_login: { limit: 3, window: '30 s' } };

    const config = withEnv(
      rateLimitEnvironment({ overrides, redisTimeoutMs: 250, breakerMs: 300 }),
      rateLimitConfigFromEnv,
    );

    assert.deepEqual(config, {
      scopes: resolveScopes(JSON.stringify(overrides)),
      redisTimeoutMs: 250,
      breakerMs: 300,
    });
    assert.equal(config.scopes.global.limit, 5);
  });

  it('rate limits: an identifier key given directly round-trips; none is written otherwise', () => {
    const direct = withEnv(
      rateLimitEnvironment({ overrides: {}, identifierKey: 'k'.repeat(64) }),
      rateLimitConfigFromEnv,
    );
    const fromSecret = withEnv(rateLimitEnvironment({ overrides: {} }), rateLimitConfigFromEnv);

    assert.equal(direct.identifierKey, 'k'.repeat(64));
    assert.equal('identifierKey' in fromSecret, false);
  });

  it('rate limits: an unknown scope fails at init', () => {
    const env = rateLimitEnvironment({ overrides: { no_such_scope: { limit: 1 } } });

    assert.throws(() => withEnv(env, rateLimitConfigFromEnv), /unknown scope no_such_scope/);
  });

  it('privacy: the audit personal-field retention round-trips; 365 days when unset; nonsense fails', () => {
    assert.deepEqual(
      withEnv(privacyEnvironment({ auditPersonalRetentionDays: 90 }), privacySettingsFromEnv),
      {
        auditPersonalRetentionDays: 90,
      },
    );
    assert.deepEqual(withEnv({}, privacySettingsFromEnv), { auditPersonalRetentionDays: 365 });
    assert.throws(
      () => withEnv({ NIMBUS_AUDIT_PERSONAL_RETENTION_DAYS: '0' }, privacySettingsFromEnv),
      /NIMBUS_AUDIT_PERSONAL_RETENTION_DAYS/,
    );
    assert.throws(() => privacyEnvironment({ auditPersonalRetentionDays: 1.5 }), /integer/);
  });

  it('http: CORS origins and the body limit round-trip', () => {
    const settings = { corsOrigins: ['https://a.example', 'https://b.example'], maxBodyBytes: 2048 };

    assert.deepEqual(withEnv(httpEnvironment(settings), httpSettingsFromEnv), settings);
  });

  it('build facts round-trip', () => {
    const info = {
      stage: 'staging',
      version: '1.2.3',
      commit: 'abc123def456',
      buildTime: '2030-01-01T00:00:00Z',
    };

    assert.deepEqual(withEnv(buildEnvironment(info), buildInfoFromEnv), info);
  });

  it('powertools: tracing on and off round-trip', () => {
    for (const tracing of [true, false]) {
      const env = powertoolsEnvironment({
        serviceName: 'nimbus-auth',
        logLevel: 'INFO',
        tracing,
        logSampleRate: 0,
      });

      assert.equal(withEnv(env, tracingFromEnv), tracing);
    }
  });

  it('api keys: the key environment round-trips, and a bad one fails naming the variable', () => {
    for (const environment of ['live', 'test'] as const) {
      assert.deepEqual(withEnv(apiKeysEnvironment({ environment }), apiKeySettingsFromEnv), { environment });
    }
    assert.throws(() => withEnv({ NIMBUS_API_KEY_ENV: 'prod' }, apiKeySettingsFromEnv), /NIMBUS_API_KEY_ENV/);
  });

  it('api-key rotation: the overlap settings round-trip; a missing or inverted pair fails naming them', () => {
    const settings = { defaultOverlapSeconds: 0, maxOverlapSeconds: 600 };
    assert.deepEqual(withEnv(apiKeyRotationEnvironment(settings), apiKeyRotationSettingsFromEnv), settings);
    assert.throws(() => withEnv({}, apiKeyRotationSettingsFromEnv), /NIMBUS_API_KEY_OVERLAP_SECONDS/);
    assert.throws(
      () =>
        withEnv(
          apiKeyRotationEnvironment({ defaultOverlapSeconds: 601, maxOverlapSeconds: 600 }),
          apiKeyRotationSettingsFromEnv,
        ),
      /NIMBUS_API_KEY_MAX_OVERLAP_SECONDS/,
    );
  });

  it('auth: the identity settings round-trip (the API key environment through its own contract)', () => {
    const auth: AuthConfig = {
      issuer: 'https://nimbus.example',
      audience: 'nimbus-api',
      accessTokenTtlSeconds: 600,
      refreshIdleSeconds: 3600,
      refreshAbsoluteSeconds: 86_400,
      refreshReuseGraceSeconds: 5,
      authorizerCacheSeconds: 1,
      registration: 'admin',
      apiKeyEnvironment: 'live',
      stepUpMaxAgeSeconds: 120,
      attemptBudget: 5,
      lockoutSeconds: 60,
      maxLockoutSeconds: 3600,
    };

    assert.deepEqual(withEnv(authEnvironment(auth), authConfigFromEnv), auth);
  });

  it('auth: an attempt budget below 1 or a lockout ceiling below the lockout fails at init', () => {
    const valid = {
      NIMBUS_JWT_ISSUER: 'https://nimbus.example',
      NIMBUS_JWT_AUDIENCE: 'a',
      NIMBUS_REGISTRATION: 'open',
    };

    assert.throws(
      () => withEnv({ ...valid, NIMBUS_ATTEMPT_BUDGET: '0' }, authConfigFromEnv),
      /NIMBUS_ATTEMPT_BUDGET/,
    );
    assert.throws(
      () =>
        withEnv(
          { ...valid, NIMBUS_LOCKOUT_SECONDS: '600', NIMBUS_MAX_LOCKOUT_SECONDS: '60' },
          authConfigFromEnv,
        ),
      /NIMBUS_LOCKOUT_SECONDS/,
    );
  });

  it('signing-key rotation: the period and who rotates round-trip from the stage capability', () => {
    assert.deepEqual(
      withEnv(
        signingKeyRotationEnvironment({ everyDays: 30, secretRotationSchedule: true }),
        signingKeyRotationFromEnv,
      ),
      { everyDays: 30, rotatedBy: 'secrets-manager' },
    );
    assert.deepEqual(
      withEnv(
        signingKeyRotationEnvironment({ everyDays: 7, secretRotationSchedule: false }),
        signingKeyRotationFromEnv,
      ),
      { everyDays: 7, rotatedBy: 'nimbus' },
    );
  });

  it('signing-key rotation: a missing mode or a period outside 1–1000 days fails at init by name', () => {
    assert.throws(() => withEnv({}, signingKeyRotationFromEnv), /NIMBUS_SIGNING_KEY_ROTATED_BY/);
    assert.throws(
      () =>
        withEnv(
          { NIMBUS_SIGNING_KEY_ROTATED_BY: 'nimbus', NIMBUS_SIGNING_KEY_ROTATION_DAYS: '0' },
          signingKeyRotationFromEnv,
        ),
      /NIMBUS_SIGNING_KEY_ROTATION_DAYS/,
    );
  });
});
