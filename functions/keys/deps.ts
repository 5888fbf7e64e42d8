import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { readSecretString } from '#shared/clients/secrets.ts';
import {
  type ApiKeyRotationSettings,
  apiKeyRotationSettingsFromEnv,
  apiKeySettingsFromEnv,
} from '#shared/config/api-keys.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { deriveKey } from '#shared/crypto-box.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { ResourceNeed } from '#shared/http/route.ts';
import { memoiseAsync } from '#shared/memoise.ts';
import { type ApiKeyStore, dynamoApiKeyStore } from './store/api-keys.ts';

/** A sensitive change asked for, and what the caller offered to prove it is really them. */
export interface StepUpRequest {
  readonly caller: Principal;
  readonly password: string | undefined;
  readonly via: string;
  readonly ip: string | null;
  readonly correlationId: string;
}

/**
 * The port through which key creation, rotation and collection ask identity for step-up (a recent
 * password login, or the password now); it throws a domain error when the caller has not proven
 * it. Identity owns passwords, so the composition root (`functions/compose/keys-step-up.ts`)
 * plugs it in.
 */
export type StepUpCheck = (request: StepUpRequest) => Promise<void>;

export interface KeyDeps {
  readonly keys: ApiKeyStore;
  readonly events: EventStore;
  readonly environment: 'live' | 'test';
  readonly now: () => Date;
  /** Drops the user's cached responses and the authorizer's verdicts on their keys, in all containers. */
  readonly invalidateUser: (userId: string) => Promise<void>;
}

/** Creating, rotating or collecting a key hands out a secret: it also needs identity's step-up. */
export interface KeyStepUpDeps extends KeyDeps {
  readonly confirmStepUp: StepUpCheck;
}

/** Rotation by a caller: the overlap bounds too. */
export interface RotateKeyDeps extends KeyStepUpDeps {
  readonly rotation: ApiKeyRotationSettings;
}

/** Sealing and opening a secret a scheduled rotation leaves for its owner. */
export interface SealingDeps {
  readonly sealingKey: () => Promise<Buffer>;
}

export interface CollectKeyDeps extends KeyStepUpDeps, SealingDeps {}

/** What the scheduled jobs (`functions/jobs/`) need to rotate due keys and watch expiries. */
export interface KeyJobDeps extends KeyDeps, SealingDeps {
  readonly rotation: ApiKeyRotationSettings;
}

/** The route-table needs that `keyJobDeps()` reads: bind these on a job's function. */
export const KEY_JOB_NEEDS = [
  'app:readWrite',
  'events:append',
  'redis',
  'auth',
  'dataKey:read',
  'apiKeyRotation',
] as const satisfies readonly ResourceNeed[];

export function keyDeps(): KeyDeps {
  return {
    keys: dynamoApiKeyStore(boundResource('appTable')),
    events: dynamoEventStore(boundResource('eventsTable')),
    environment: apiKeySettingsFromEnv().environment,
    now: () => new Date(),
    invalidateUser: async (userId) =>
      (await import('#shared/cache/authorizer-cache.ts')).invalidateUserEverywhere(userId),
  };
}

/** Reads only (`GET /v1/keys/status`): the store, nothing that writes. */
export function keyReadDeps(): Pick<KeyDeps, 'keys' | 'now'> {
  return { keys: dynamoApiKeyStore(boundResource('appTable')), now: () => new Date() };
}

// Its own HKDF context of the data key: a rotated API-key secret never shares a key with TOTP.
const sealingKey = memoiseAsync(async () =>
  deriveKey(await readSecretString(boundResource('dataKeySecret')), 'nimbus/api-key-rotated-secret/v1'),
);

export function sealingDeps(): SealingDeps {
  return { sealingKey };
}

export function keyJobDeps(): KeyJobDeps {
  return { ...keyDeps(), ...sealingDeps(), rotation: apiKeyRotationSettingsFromEnv() };
}
