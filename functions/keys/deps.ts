import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { requireEnv } from '#shared/env.ts';
import { type ApiKeyStore, dynamoApiKeyStore } from './store/api-keys.ts';

export interface KeyDeps {
  readonly keys: ApiKeyStore;
  readonly events: EventStore;
  readonly environment: 'live' | 'test';
  readonly now: () => Date;
  readonly invalidateUser: (userId: string) => Promise<void>;
}

export function keyDeps(): KeyDeps {
  const environment = requireEnv('NIMBUS_API_KEY_ENV');
  if (environment !== 'live' && environment !== 'test')
    throw new Error('NIMBUS_API_KEY_ENV must be live|test');
  return {
    keys: dynamoApiKeyStore(requireEnv('APP_TABLE_NAME')),
    events: dynamoEventStore(requireEnv('EVENTS_TABLE_NAME')),
    environment,
    now: () => new Date(),
    invalidateUser: async (userId) =>
      (await import('#shared/cache/response-cache.ts')).responseCache.invalidateUser(userId),
  };
}
