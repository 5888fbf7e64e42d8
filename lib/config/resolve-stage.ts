import { z } from 'zod';
import { validDeploymentSettings } from '../../functions/deployments/config.ts';
import { validGdprSettings } from '../../functions/gdpr/config.ts';
import { validRotationSettings } from '../../functions/shared/config/api-keys.ts';
import { validPrivacySettings } from '../../functions/shared/config/privacy.ts';
import { validSloSettings } from '../../functions/shared/config/slo.ts';
import {
  type AlarmSubscriptions,
  FUNCTION_RELEASES,
  STAGES,
  type Stage,
  type StageConfig,
} from './stage-config.ts';
import { STAGE_CONFIGS } from './stages.ts';

const stageSchema = z.enum(STAGES);

/**
 * Resolves the stage from CDK context (`-c stage=...`), defaulting to `local`.
 * Throws with the list of valid stages on anything else.
 */
export function resolveStage(
  raw: unknown,
  overrides: {
    readonly redisRestUrl?: unknown;
    /** Comma-separated email addresses subscribed to the alarm topic (`-c alarmEmails=...`). */
    readonly alarmEmails?: unknown;
    /** Comma-separated HTTPS URLs subscribed to the alarm topic (`-c alarmWebhooks=...`). */
    readonly alarmWebhooks?: unknown;
  } = {},
): StageConfig {
  const parsed = stageSchema.safeParse(raw ?? 'local');
  if (!parsed.success) {
    throw new Error(
      `Invalid stage ${JSON.stringify(raw)}: expected one of ${STAGES.join(', ')} (-c stage=...)`,
    );
  }
  let config = STAGE_CONFIGS[parsed.data];
  if (overrides.redisRestUrl !== undefined) {
    // The Upstash token rides in a header of every call: plain http only on the local emulator.
    const local = config.stage === 'local';
    const url = z.url({ protocol: local ? /^https?$/ : /^https$/ }).safeParse(overrides.redisRestUrl);
    if (!url.success) {
      const expected = local ? 'an http(s) URL' : 'an https URL (plain http is allowed on local only)';
      throw new Error(
        `Invalid redisRestUrl ${JSON.stringify(overrides.redisRestUrl)} for stage ${config.stage}: expected ${expected}`,
      );
    }
    config = { ...config, redis: { ...config.redis, restUrl: url.data } };
  }
  if (overrides.alarmEmails !== undefined || overrides.alarmWebhooks !== undefined) {
    config = {
      ...config,
      alarms: {
        ...config.alarms,
        subscriptions: alarmSubscriptions(config.stage, overrides.alarmEmails, overrides.alarmWebhooks),
      },
    };
  }
  const { signingKeyRotationDays } = config.auth;
  if (
    !Number.isInteger(signingKeyRotationDays) ||
    signingKeyRotationDays < 1 ||
    signingKeyRotationDays > 1000
  ) {
    throw new Error(`auth.signingKeyRotationDays of ${config.stage} must be an integer from 1 to 1000`);
  }
  validRelease(config);
  if (config.stage === 'prod' && config.api.corsOrigins.includes('*')) {
    throw new Error('prod must not allow CORS origin *');
  }
  // The same rule the functions apply at cold start: a bad stage fails the synth, not a Lambda.
  validRotationSettings(config.apiKeyRotation);
  validGdprSettings(config.gdpr);
  validDeploymentSettings(config.deployments);
  validPrivacySettings(config.privacy);
  validSloSettings(config.slo);
  return config;
}

/** A gradual `functions.release` needs a target with CodeDeploy (`features.gradualDeployment`). */
export function validRelease(config: Pick<StageConfig, 'stage' | 'features' | 'functions'>): void {
  if (!FUNCTION_RELEASES.includes(config.functions.release))
    throw new Error(
      `functions.release of ${config.stage} must be one of ${FUNCTION_RELEASES.join(', ')}, got ${JSON.stringify(config.functions.release)}`,
    );
  if (config.functions.release !== 'allAtOnce' && !config.features.gradualDeployment)
    throw new Error(
      `functions.release ${config.functions.release} of ${config.stage} needs a target with gradual deployments (features.gradualDeployment)`,
    );
}

/**
 * The alarm topic's subscribers from comma-separated context values: each email must look like one
 * and each webhook be an https URL (SNS delivers alarm messages, which name the stage's resources).
 * A bad entry fails the synth, naming it.
 */
function alarmSubscriptions(stage: Stage, emails: unknown, webhooks: unknown): AlarmSubscriptions {
  const list = (value: unknown, name: string): string[] => {
    if (value === undefined) return [];
    if (typeof value !== 'string')
      throw new Error(`${name} must be a comma-separated list, got ${JSON.stringify(value)}`);
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  };
  const badEmail = list(emails, 'alarmEmails').filter((email) => !z.email().safeParse(email).success);
  const badHook = list(webhooks, 'alarmWebhooks').filter(
    (url) => !z.url({ protocol: /^https$/ }).safeParse(url).success,
  );
  if (badEmail.length > 0 || badHook.length > 0)
    throw new Error(
      `Invalid alarm subscribers for stage ${stage}: ${[...badEmail.map((e) => `email ${JSON.stringify(e)}`), ...badHook.map((u) => `webhook ${JSON.stringify(u)} (https only)`)].join(', ')}`,
    );
  return {
    emails: [...new Set(list(emails, 'alarmEmails'))],
    webhooks: [...new Set(list(webhooks, 'alarmWebhooks'))],
  };
}
