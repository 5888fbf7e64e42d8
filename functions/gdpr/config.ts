import { requireEnv } from '#shared/env.ts';

/**
 * Retention classes: how long each kind of personal data is kept (days), from the stage config
 * (`lib/config/stages.ts`, `gdpr.retentionDays`). The data map (`domain/data-map.ts`) gives every
 * store its class; DynamoDB TTL removes most of it, the daily retention job the rest.
 */
export interface RetentionDays {
  /** Sessions and their refresh tokens, from their last use. */
  readonly sessions: number;
  /** Export documents (the right of access), from when they were ready. */
  readonly exports: number;
  /** Erasure receipts (no personal data; the proof an erasure was done). */
  readonly receipts: number;
}

export interface GdprSettings {
  /** Between an erasure request and its point of no return: the account is locked but intact, and the request can be cancelled. */
  readonly erasureGraceSeconds: number;
  /** An erasure still open this many days after its request raises the overdue alarm (inside the legal month). */
  readonly erasureDeadlineDays: number;
  readonly retentionDays: RetentionDays;
}

const ENV = {
  erasureGraceSeconds: 'NIMBUS_GDPR_ERASURE_GRACE_SECONDS',
  erasureDeadlineDays: 'NIMBUS_GDPR_ERASURE_DEADLINE_DAYS',
  sessions: 'NIMBUS_RETENTION_SESSIONS_DAYS',
  exports: 'NIMBUS_RETENTION_EXPORTS_DAYS',
  receipts: 'NIMBUS_RETENTION_RECEIPTS_DAYS',
} as const;

/** Where the GDPR workflows are: the export queue's name and the erasure state machine's ARN. */
export const GDPR_WORKFLOW_ENV = {
  exportQueueName: 'NIMBUS_GDPR_EXPORT_QUEUE_NAME',
  erasureStateMachineArn: 'NIMBUS_GDPR_ERASURE_STATE_MACHINE_ARN',
  erasureFailureQueueName: 'NIMBUS_GDPR_ERASURE_FAILURE_QUEUE_NAME',
} as const;

/** Checked at synth (stage config) and at cold start: a bad value fails by name, never mid-erasure. */
export function validGdprSettings(settings: GdprSettings): GdprSettings {
  const whole = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`gdpr setting ${name} must be a whole number from ${min} to ${max}, got ${value}`);
  };
  whole('erasureGraceSeconds', settings.erasureGraceSeconds, 0, 7 * 86_400);
  whole('erasureDeadlineDays', settings.erasureDeadlineDays, 1, 30);
  for (const [name, days] of Object.entries(settings.retentionDays))
    whole(`retentionDays.${name}`, days, 1, 3650);
  return settings;
}

export function gdprEnvironment(settings: GdprSettings): Record<string, string> {
  const valid = validGdprSettings(settings);
  return {
    [ENV.erasureGraceSeconds]: String(valid.erasureGraceSeconds),
    [ENV.erasureDeadlineDays]: String(valid.erasureDeadlineDays),
    [ENV.sessions]: String(valid.retentionDays.sessions),
    [ENV.exports]: String(valid.retentionDays.exports),
    [ENV.receipts]: String(valid.retentionDays.receipts),
  };
}

const number = (name: string) => Number(requireEnv(name));

export function gdprSettingsFromEnv(): GdprSettings {
  return validGdprSettings({
    erasureGraceSeconds: number(ENV.erasureGraceSeconds),
    erasureDeadlineDays: number(ENV.erasureDeadlineDays),
    retentionDays: {
      sessions: number(ENV.sessions),
      exports: number(ENV.exports),
      receipts: number(ENV.receipts),
    },
  });
}
