/**
 * The Powertools variables FeatureFunction sets. Logger, Metrics and Tracer read them themselves;
 * Nimbus reads only whether tracing is on (to skip loading the X-Ray SDK where it is off).
 */
export interface PowertoolsSettings {
  /** `nimbus-<feature>`. */
  readonly serviceName: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly tracing: boolean;
  /** Share of invocations logged at DEBUG whatever the level (0 to 1). */
  readonly logSampleRate: number;
}

export function powertoolsEnvironment(settings: PowertoolsSettings): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: settings.serviceName,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
    POWERTOOLS_METRICS_NAMESPACE: 'Nimbus',
    POWERTOOLS_TRACE_ENABLED: String(settings.tracing),
    // Responses can carry tokens and personal data; traces must not.
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    POWERTOOLS_LOGGER_SAMPLE_RATE: String(settings.logSampleRate),
  };
}

/** On unless set to 'false', as Powertools itself reads it. */
export function tracingFromEnv(): boolean {
  return process.env.POWERTOOLS_TRACE_ENABLED !== 'false';
}
