import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { apiKeySettingsFromEnv } from '#shared/config/api-keys.ts';
import { boundResource } from '#shared/config/bindings.ts';
import type { Principal } from '#shared/http/principal.ts';
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
 * The port through which key creation asks identity for step-up (a recent password login, or the
 * password now); it throws a domain error when the caller has not proven it. Identity owns
 * passwords, so the composition root (`functions/compose/keys-create.ts`) plugs it in.
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

/** Creating a key is a sensitive change: it also needs identity's step-up. */
export interface CreateKeyDeps extends KeyDeps {
  readonly confirmStepUp: StepUpCheck;
}

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
