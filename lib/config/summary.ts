import type { ConfigSummary } from '../../functions/shared/config/monitoring.ts';
import type { StageConfig } from './stages.ts';

/**
 * The stage config as the system-info route shows it: only switches, limits and durations. Picked
 * field by field, so that a secret or endpoint added to the stage config cannot reach it unnoticed
 * (the groups spread here hold only flags and numbers, which the summary's schema checks).
 */
export function configSummary(config: StageConfig): ConfigSummary {
  return {
    logLevel: config.logLevel,
    debugLogSampleRate: config.debugLogSampleRate,
    features: { ...config.features, sharedDependenciesLayer: config.functions.sharedDependenciesLayer },
    api: {
      throttleRateLimit: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      maxBodyBytes: config.api.maxBodyBytes,
      authorizerCacheSeconds: config.api.authorizerCacheSeconds,
    },
    functions: {
      memoryMb: config.functions.memoryMb,
      timeoutSeconds: config.functions.timeoutSeconds,
      release: config.functions.release,
    },
    rateLimits: Object.fromEntries(
      Object.entries(config.rateLimits).map(([scope, override]) => [
        scope,
        {
          ...(override?.limit === undefined ? {} : { limit: override.limit }),
          ...(override?.window === undefined ? {} : { window: override.window }),
        },
      ]),
    ),
    retentionDays: {
      logs: config.logRetentionDays,
      sessions: config.gdpr.retentionDays.sessions,
      exports: config.gdpr.retentionDays.exports,
      receipts: config.gdpr.retentionDays.receipts,
      auditPersonalFields: config.privacy.auditPersonalRetentionDays,
    },
    pointInTimeRecovery: config.pointInTimeRecovery,
    // Thresholds, and how many subscribers: their addresses are personal data, never shown.
    alarms: {
      api5xxPerMinute: config.alarms.api5xxPerMinute,
      p99LatencyMs: config.alarms.p99LatencyMs,
      lambdaErrorsPerMinute: config.alarms.lambdaErrorsPerMinute,
      emailSubscribers: config.alarms.subscriptions.emails.length,
      webhookSubscribers: config.alarms.subscriptions.webhooks.length,
    },
  };
}
