import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { apiKeySettingsFromEnv } from '#shared/config/api-keys.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { type ApiKeyStore, dynamoApiKeyStore } from './store/api-keys.ts';

export interface KeyDeps {
  readonly keys: ApiKeyStore;
  readonly events: EventStore;
  readonly environment: 'live' | 'test';
  readonly now: () => Date;
  /** Drops the user's cached responses and the authorizer's verdicts on their keys, in all containers. */
  readonly invalidateUser: (userId: string) => Promise<void>;
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
