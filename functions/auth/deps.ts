import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import type { Cache } from '#shared/cache/two-level-cache.ts';
import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import { memoiseAsync } from '#shared/memoise.ts';
import { logger, metrics } from '#shared/observability.ts';
import {
  type AuthConfig,
  authConfigFromEnv,
  type SigningKeyRotationSettings,
  signingKeyRotationFromEnv,
} from './config.ts';
import { type AttemptBudgetStore, dynamoAttemptBudgetStore } from './store/attempt-budgets.ts';
import { type Keyring, type KeyringRequest, keyring } from './store/keyring.ts';
import { dynamoSessionStore, type SessionStore } from './store/sessions.ts';
import { type SigningKeySecret, secretsManagerSigningKeySecret } from './store/signing-keys.ts';
import { dynamoUserStore, type UserStore } from './store/users.ts';

/** What identity use cases need; handlers pass the real one, tests may pass their own. */
export interface AuthDeps {
  readonly config: AuthConfig;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  /** The container's keys; `unknown-kid` asks for a (bounded) re-read of the secret. */
  readonly keyring: (request?: KeyringRequest) => Promise<Keyring>;
  /** Key sealing second-factor secrets at rest. */
  readonly dataKey: () => Promise<Buffer>;
  /** Key of the HMAC backup codes are stored under (derived from the same secret, another context). */
  readonly backupCodeKey: () => Promise<Buffer>;
  /** Per-account budgets of wrong second-factor codes and step-up passwords. */
  readonly attemptBudgets: AttemptBudgetStore;
  /** Counts one security occurrence (a CloudWatch metric of that name, value 1). */
  readonly countMetric: (name: SecurityMetric) => void;
  /** Key deriving a refresh token's successor (`domain/refresh-successor.ts`). */
  readonly refreshKey: () => Promise<Buffer>;
  readonly now: () => Date;
  /**
   * Drops everything cached about a user in all containers: cached responses (profile, keys...)
   * and the authorizer's verdicts on their sessions and keys (within 1 s; see
   * `#shared/cache/authorizer-cache.ts`). Every revocation and change of what a user may do calls it.
   */
  readonly invalidateUser: (userId: string) => Promise<void>;
}

/** Metrics the identity use cases emit; alarms and dashboards refer to these names. */
export type SecurityMetric =
  | 'SecondFactorFailures'
  | 'SecondFactorLockouts'
  | 'StepUpFailures'
  | 'StepUpLockouts'
  | 'StepUpRequired';

const dataKeyMaterial = memoiseAsync(() => readSecretString(boundResource('dataKeySecret')));
const dataKey = memoiseAsync(async () => deriveKey(await dataKeyMaterial(), 'nimbus/totp/v1'));
const backupCodeKey = memoiseAsync(async () => deriveKey(await dataKeyMaterial(), 'nimbus/backup-codes/v1'));
// Its own HKDF context: one secret, independent keys per use.
const refreshKey = memoiseAsync(async () =>
  deriveKey(await dataKeyMaterial(), 'nimbus/refresh-successor/v1'),
);

/** An API key as the authenticator sees it: what it grants and whether it is still good. */
export interface ApiKeyGrant {
  readonly id: string;
  readonly ownerId: string;
  readonly permissions: readonly string[];
  /** ISO 8601; `null` never expires. A rotated key's old secret ends at its overlap's end. */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  /** Which secret of the key this is (rotations before it was issued): its verdict is its own. */
  readonly generation: number;
}

/**
 * The port through which the authenticator reaches API keys. Identity does not own keys (the
 * `keys` feature does): the composition root (`functions/authorizer/deps.ts`) plugs the keys
 * feature in here, so neither feature imports the other.
 */
export interface ApiKeyLookup {
  /**
   * A stable, non-secret name for a presented key (its hash), used to look it up and to cache
   * the answer; `null` when the value is not even shaped like a key, so it costs no lookup.
   */
  fingerprint(presented: string): string | null;
  find(fingerprint: string): Promise<ApiKeyGrant | undefined>;
  /** Records use; writes only when the last recorded use is older than `staleBefore`. */
  touch(fingerprint: string, at: string, staleBefore: string): Promise<void>;
}

/**
 * What the authorizer needs, and no more: reads of users and sessions (no writes, no event store,
 * no data key), and API keys through a port.
 */
export interface AuthenticatorDeps extends Pick<AuthDeps, 'config' | 'keyring' | 'now'> {
  readonly users: Pick<UserStore, 'get'>;
  readonly sessions: Pick<SessionStore, 'get'>;
  readonly apiKeys: ApiKeyLookup;
  /**
   * Where verdicts on sessions and keys are cached, tagged with their user, so that
   * `invalidateUser` reaches them (`#shared/cache/authorizer-cache.ts`).
   */
  readonly verdicts: Pick<Cache, 'get'>;
}

function identityDeps(): Pick<AuthDeps, 'config' | 'users' | 'sessions' | 'keyring' | 'now'> {
  const config = authConfigFromEnv();
  const table = boundResource('appTable');
  return {
    config,
    users: dynamoUserStore(table),
    sessions: dynamoSessionStore(table),
    keyring: (request) => keyring(config, request),
    now: () => new Date(),
  };
}

/** The authorizer's deps; the caller brings the API-key port (see `ApiKeyLookup`) and the verdict cache. */
export function authenticatorDeps(apiKeys: ApiKeyLookup, verdicts: Pick<Cache, 'get'>): AuthenticatorDeps {
  return { ...identityDeps(), apiKeys, verdicts };
}

/** Built once per container from the environment the CDK sets. */
export function authDeps(): AuthDeps {
  return {
    ...identityDeps(),
    events: dynamoEventStore(boundResource('eventsTable')),
    invalidateUser: async (userId) =>
      (await import('#shared/cache/authorizer-cache.ts')).invalidateUserEverywhere(userId),
    dataKey,
    backupCodeKey,
    attemptBudgets: dynamoAttemptBudgetStore(boundResource('appTable')),
    countMetric: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
    refreshKey,
  };
}

/** Attributes of a rotation log line: ids and reasons, never key material. */
export type LogAttributes = Readonly<Record<string, string | number | boolean | null>>;

/** What the signing-key rotation use cases need (`use-cases/signing-key-*.ts`). */
export interface SigningKeyRotationDeps {
  readonly secret: SigningKeySecret;
  readonly events: Pick<EventStore, 'append'>;
  /** Drops what every container derived from the key set (the `signing-keys` tag). */
  readonly invalidateTags: (tags: readonly string[]) => Promise<void>;
  readonly countMetric: (name: SigningKeyMetric) => void;
  readonly log: {
    info(message: string, attributes: LogAttributes): void;
    error(message: string, attributes: LogAttributes): void;
  };
  readonly settings: SigningKeyRotationSettings;
  readonly now: () => Date;
  /** A new version id (`ClientRequestToken`) for a rotation Nimbus starts. */
  readonly newToken: () => string;
}

/** Metrics of signing-key rotation; alarms refer to these names. */
export type SigningKeyMetric = 'SigningKeyRotationTestFailures';

const rotationEvents = memoiseAsync(() => dynamoEventStore(boundResource('eventsTable')));

/**
 * Built once per container: the bound signing-key secret (read/write), the audit trail, the
 * response cache's tag invalidation (the keyrings and the JWKS follow `signing-keys`) and the
 * stage's rotation settings. The rotation function, the admin routes and the daily job share it.
 */
export function signingKeyRotationDeps(): SigningKeyRotationDeps {
  return {
    secret: secretsManagerSigningKeySecret(boundResource('signingKeysSecret')),
    // Resolved on first append: the status route reads the keys and is bound to no events table.
    events: { append: async (event) => (await rotationEvents()).append(event) },
    invalidateTags: async (tags) =>
      (await import('#shared/cache/response-cache.ts')).responseCache.invalidateTags(tags),
    countMetric: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
    log: {
      info: (message, attributes) => logger.info(message, { ...attributes }),
      error: (message, attributes) => logger.error(message, { ...attributes }),
    },
    settings: signingKeyRotationFromEnv(),
    now: () => new Date(),
    newToken: () => randomUUID(),
  };
}
