import { requireEnv } from '../env.ts';

/**
 * The resources a function can be bound to (a route's `needs`) and the variable that carries each
 * one's name or ARN. The CDK binds with these names (`bindTable`, `bindSecret`, `bindTopic`); functions read the
 * value back with `boundResource`; tools that run functions' code outside Lambda write them with
 * `bindingsEnvironment`.
 */
export const BINDING_ENV = {
  appTable: 'APP_TABLE_NAME',
  eventsTable: 'EVENTS_TABLE_NAME',
  signingKeysSecret: 'SIGNING_KEYS_SECRET_ARN',
  dataKeySecret: 'DATA_KEY_SECRET_ARN',
  /** Per-person data keys sealing personal fields at rest (`functions/shared/privacy/personal-keys.ts`). */
  personalKeysTable: 'PERSONAL_KEYS_TABLE_NAME',
  upstashTokenSecret: 'UPSTASH_TOKEN_SECRET_ARN',
  rateLimitKeySecret: 'RATE_LIMIT_KEY_SECRET_ARN',
  /** The stage's alarm topic (SNS), where jobs send what on-call must hear about. */
  alertTopic: 'ALERT_TOPIC_ARN',
} as const;

export type Binding = keyof typeof BINDING_ENV;

/** The bound table name or secret ARN; a function without the binding fails naming the variable. */
export function boundResource(binding: Binding): string {
  return requireEnv(BINDING_ENV[binding]);
}

export function bindingsEnvironment(
  values: Readonly<Partial<Record<Binding, string>>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [binding, value] of Object.entries(values) as [Binding, string | undefined][]) {
    if (value !== undefined) env[BINDING_ENV[binding]] = value;
  }
  return env;
}
