import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveStage, validRelease } from '#lib/config/resolve-stage.ts';
import { FUNCTION_RELEASES, STAGE_CONFIGS, STAGES } from '#lib/config/stages.ts';

describe('resolveStage', () => {
  it('defaults to local when no stage is given', () => {
    assert.equal(resolveStage(undefined).stage, 'local');
    assert.equal(resolveStage(null).stage, 'local');
  });

  for (const stage of STAGES) {
    it(`resolves ${stage} to its own config`, () => {
      const config = resolveStage(stage);

      assert.equal(config.stage, stage);
      assert.equal(config, STAGE_CONFIGS[stage]);
    });
  }

  for (const raw of ['production', 'PROD', ' prod', '', 42, true, { stage: 'prod' }]) {
    it(`refuses ${JSON.stringify(raw)}, listing the valid stages`, () => {
      assert.throws(
        () => resolveStage(raw),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(error.message, /Invalid stage/);
          for (const stage of STAGES) assert.ok(error.message.includes(stage), stage);
          return true;
        },
      );
    });
  }
});

describe('resolveStage with a redisRestUrl override', () => {
  it('points the stage at the given Upstash URL and changes nothing else', () => {
    const config = resolveStage('local', { redisRestUrl: 'http://host.docker.internal:8079' });

    assert.equal(config.redis.restUrl, 'http://host.docker.internal:8079');
    assert.equal(config.redis.healthTimeoutMs, STAGE_CONFIGS.local.redis.healthTimeoutMs);
    assert.deepEqual({ ...config, redis: STAGE_CONFIGS.local.redis }, STAGE_CONFIGS.local);
  });

  it('leaves the shared stage config untouched', () => {
    resolveStage('dev', { redisRestUrl: 'https://other.upstash.io' });

    assert.equal(STAGE_CONFIGS.dev.redis.restUrl, 'https://nimbus-dev.upstash.io');
  });

  it('keeps the stage URL when no override is given', () => {
    assert.equal(resolveStage('prod', { redisRestUrl: undefined }), STAGE_CONFIGS.prod);
  });

  for (const stage of ['dev', 'staging', 'prod'] as const) {
    it(`refuses a plain http URL on ${stage}, where the Upstash token would travel unencrypted`, () => {
      assert.throws(
        () => resolveStage(stage, { redisRestUrl: 'http://nimbus.upstash.io' }),
        new RegExp(`Invalid redisRestUrl .* for stage ${stage}: expected an https URL`),
      );
    });

    it(`accepts an https URL on ${stage}`, () => {
      const config = resolveStage(stage, { redisRestUrl: 'https://operator-db.upstash.io' });

      assert.equal(config.redis.restUrl, 'https://operator-db.upstash.io');
    });
  }

  for (const raw of ['not a url', 'redis://127.0.0.1:6379', 'ftp://upstash.io', 42]) {
    it(`refuses ${JSON.stringify(raw)} as a Redis REST URL`, () => {
      assert.throws(() => resolveStage('local', { redisRestUrl: raw }), /Invalid redisRestUrl/);
    });
  }
});

describe('stage configs', () => {
  it('never allow CORS origin * in prod or staging', () => {
    for (const stage of ['staging', 'prod'] as const) {
      assert.ok(!STAGE_CONFIGS[stage].api.corsOrigins.includes('*'), stage);
      assert.ok(STAGE_CONFIGS[stage].api.corsOrigins.length > 0, stage);
    }
  });

  it('keep data, point-in-time recovery and X-Ray on in prod', () => {
    const prod = STAGE_CONFIGS.prod;

    assert.equal(prod.retainData, true);
    assert.equal(prod.pointInTimeRecovery, true);
    assert.equal(prod.features.xray, true);
  });

  it('declare the local emulator’s gaps as features, and the cloud stages’ capabilities', () => {
    assert.deepEqual(STAGE_CONFIGS.local.features, {
      xray: false,
      apiExecutionLogs: false,
      secretRotationSchedule: false,
      compositeAlarms: false,
      backups: false,
      gradualDeployment: false,
    });
    for (const stage of STAGES.filter((name) => name !== 'local')) {
      assert.deepEqual(
        STAGE_CONFIGS[stage].features,
        {
          xray: true,
          apiExecutionLogs: true,
          secretRotationSchedule: true,
          compositeAlarms: true,
          // Backups of the data tables where the data is real.
          backups: stage === 'prod',
          gradualDeployment: true,
        },
        stage,
      );
    }
  });

  it('release all at once where iterating (local, dev), gradually behind an alias on staging and prod', () => {
    assert.equal(STAGE_CONFIGS.local.functions.release, 'allAtOnce');
    assert.equal(STAGE_CONFIGS.dev.functions.release, 'allAtOnce');
    assert.equal(STAGE_CONFIGS.staging.functions.release, 'canary10Percent5Minutes');
    assert.equal(STAGE_CONFIGS.prod.functions.release, 'canary10Percent10Minutes');
    for (const stage of STAGES)
      assert.ok(FUNCTION_RELEASES.includes(STAGE_CONFIGS[stage].functions.release), stage);
  });

  it('refuse a gradual release on a target without CodeDeploy, and an unknown release', () => {
    const local = STAGE_CONFIGS.local;
    assert.throws(
      () => validRelease({ ...local, functions: { ...local.functions, release: 'canary10Percent5Minutes' } }),
      /canary10Percent5Minutes of local needs a target with gradual deployments/,
    );
    const prod = STAGE_CONFIGS.prod;
    assert.throws(
      () =>
        validRelease({
          ...prod,
          functions: { ...prod.functions, release: 'sometimes' as (typeof FUNCTION_RELEASES)[number] },
        }),
      /must be one of allAtOnce, canary10Percent5Minutes/,
    );
    for (const stage of STAGES) validRelease(STAGE_CONFIGS[stage]);
  });

  it('rotate signing keys every 30 days on every stage, within Secrets Manager’s 1–1000', () => {
    for (const stage of STAGES) {
      assert.equal(STAGE_CONFIGS[stage].auth.signingKeyRotationDays, 30, stage);
      assert.equal(resolveStage(stage).auth.signingKeyRotationDays, 30, stage);
    }
  });

  it('sample DEBUG logs at a rate between 0 and 1, only in prod', () => {
    for (const stage of STAGES) {
      const rate = STAGE_CONFIGS[stage].debugLogSampleRate;
      assert.ok(rate >= 0 && rate <= 1, stage);
      assert.equal(rate > 0, stage === 'prod', stage);
    }
  });

  it('alarm earlier in prod than the base stages', () => {
    assert.ok(STAGE_CONFIGS.prod.alarms.api5xxPerMinute < STAGE_CONFIGS.dev.alarms.api5xxPerMinute);
    assert.ok(STAGE_CONFIGS.prod.alarms.p99LatencyMs < STAGE_CONFIGS.dev.alarms.p99LatencyMs);
  });

  it('keep throttling burst at or above the steady rate', () => {
    for (const stage of STAGES) {
      const { throttleRateLimit, throttleBurstLimit } = STAGE_CONFIGS[stage].api;
      assert.ok(throttleBurstLimit >= throttleRateLimit, stage);
    }
  });
});
