import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STAGE_CONFIGS, STAGES } from '#lib/config/stages.ts';
import { configSummary } from '#lib/config/summary.ts';
import { configSummaryEnvironment, configSummaryFromEnv } from '#shared/config/monitoring.ts';

/** Every string value of a JSON document, however deep. */
function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringValues);
}

describe('configSummary (system-info)', () => {
  for (const stage of STAGES) {
    const config = STAGE_CONFIGS[stage];

    it(`${stage}: round-trips through its environment contract`, () => {
      const summary = configSummary(config);
      const env = configSummaryEnvironment(summary);
      const saved = { ...process.env };
      try {
        Object.assign(process.env, env);
        assert.deepEqual(configSummaryFromEnv(), summary);
      } finally {
        process.env = saved;
      }
    });

    it(`${stage}: holds no endpoint, origin, issuer or credential of the stage config`, () => {
      const text = JSON.stringify(configSummary(config));

      for (const value of [config.redis.restUrl, config.auth.issuer, ...config.api.corsOrigins]) {
        if (value !== '*') assert.ok(!text.includes(value), `${value} must not be in the summary`);
      }
      // Keys may name a secret-related switch (`secretRotationSchedule`); no value may be one.
      assert.deepEqual(
        stringValues(configSummary(config)).filter((value) => /token|password|secret|:\/\//i.test(value)),
        [],
      );
    });

    it(`${stage}: shows the throttles, retention days and flags from the stage config`, () => {
      const summary = configSummary(config);

      assert.equal(summary.api.throttleRateLimit, config.api.throttleRateLimit);
      assert.equal(summary.retentionDays.logs, config.logRetentionDays);
      assert.equal(summary.retentionDays.sessions, config.gdpr.retentionDays.sessions);
      assert.equal(summary.features.xray, config.features.xray);
    });
  }

  it('refuses a summary with a field the schema does not know', () => {
    const summary = { ...configSummary(STAGE_CONFIGS.local), upstashToken: 'x' };

    assert.throws(() => configSummaryEnvironment(summary), /upstashToken|Unrecognized/);
  });
});
