import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { jobsEnvironment, jobsSettingsFromEnv } from '#functions/jobs/config.ts';
import { STAGE_CONFIGS, STAGES } from '#lib/config/stages.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('jobs settings contract', () => {
  for (const stage of STAGES) {
    it(`reads back what the CDK sets from the ${stage} stage`, () => {
      const { expiryWarningDays, signingKeyGraceDays } = STAGE_CONFIGS[stage].jobs;
      Object.assign(process.env, jobsEnvironment({ expiryWarningDays, signingKeyGraceDays }));

      assert.deepEqual(jobsSettingsFromEnv(), { expiryWarningDays, signingKeyGraceDays });
    });
  }

  it('fails at init naming a missing or malformed setting', () => {
    Object.assign(process.env, jobsEnvironment({ expiryWarningDays: 14, signingKeyGraceDays: 3 }));
    delete process.env.NIMBUS_SIGNING_KEY_GRACE_DAYS;
    assert.throws(() => jobsSettingsFromEnv(), /NIMBUS_SIGNING_KEY_GRACE_DAYS/);
    process.env.NIMBUS_SIGNING_KEY_GRACE_DAYS = '2.5';
    assert.throws(() => jobsSettingsFromEnv(), /NIMBUS_SIGNING_KEY_GRACE_DAYS must be a whole number/);
  });

  it('runs the local stage jobs every few minutes at most, so tests see the rules fire', () => {
    for (const schedule of Object.values(STAGE_CONFIGS.local.jobs.schedules)) {
      assert.match(schedule, /^rate\((1 minute|[2-5] minutes)\)$/);
    }
  });
});
