import { intEnv } from '../env.ts';

/** How long personal data at rest lives (`lib/config/stages.ts`, `privacy`). */
export interface PrivacySettings {
  /**
   * Days after the end of a calendar month during which the personal fields of that month's audit
   * events stay readable: then DynamoDB TTL deletes the month's personal data keys and the fields
   * are shredded (the events themselves stay). @default 365
   */
  readonly auditPersonalRetentionDays: number;
}

export const DEFAULT_PRIVACY_SETTINGS: PrivacySettings = { auditPersonalRetentionDays: 365 };

const AUDIT_PERSONAL_RETENTION_DAYS = 'NIMBUS_AUDIT_PERSONAL_RETENTION_DAYS';

export function privacyEnvironment(settings: PrivacySettings): Record<string, string> {
  return {
    [AUDIT_PERSONAL_RETENTION_DAYS]: String(validPrivacySettings(settings).auditPersonalRetentionDays),
  };
}

export function privacySettingsFromEnv(): PrivacySettings {
  return validPrivacySettings({
    auditPersonalRetentionDays: intEnv(
      AUDIT_PERSONAL_RETENTION_DAYS,
      DEFAULT_PRIVACY_SETTINGS.auditPersonalRetentionDays,
    ),
  });
}

/** Both sides check the same rule: the stage table at synth, the function at cold start. */
export function validPrivacySettings(settings: PrivacySettings): PrivacySettings {
  const days = settings.auditPersonalRetentionDays;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new Error(`${AUDIT_PERSONAL_RETENTION_DAYS} must be an integer from 1 to 3650, got ${days}`);
  }
  return settings;
}
