import { dynamoEventStore, type EventStore } from '#shared/audit/event-store.ts';
import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { memoiseAsync } from '#shared/memoise.ts';
import { type AuthConfig, authConfigFromEnv } from './config.ts';
import { deriveKey } from './domain/crypto-box.ts';
import { type Keyring, keyring } from './keyring.ts';
import { dynamoSessionStore, type SessionStore } from './store/sessions.ts';
import { dynamoUserStore, type UserStore } from './store/users.ts';

/** What identity use cases need; handlers pass the real one, tests may pass their own. */
export interface AuthDeps {
  readonly config: AuthConfig;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  readonly keyring: () => Promise<Keyring>;
  /** Key sealing second-factor secrets at rest. */
  readonly dataKey: () => Promise<Buffer>;
  readonly now: () => Date;
  /** Drops every cached response of a user (profile, keys...) in all containers. */
  readonly invalidateUser: (userId: string) => Promise<void>;
}

const dataKey = memoiseAsync(async () =>
  deriveKey(await readSecretString(boundResource('dataKeySecret')), 'nimbus/totp/v1'),
);

/** What the authorizer needs: no event store, no data key. */
export type AuthenticatorDeps = Pick<AuthDeps, 'config' | 'users' | 'sessions' | 'keyring' | 'now'>;

export function authenticatorDeps(): AuthenticatorDeps {
  const config = authConfigFromEnv();
  const table = boundResource('appTable');
  return {
    config,
    users: dynamoUserStore(table),
    sessions: dynamoSessionStore(table),
    keyring: () => keyring(config),
    now: () => new Date(),
  };
}

/** Built once per container from the environment the CDK sets. */
export function authDeps(): AuthDeps {
  return {
    ...authenticatorDeps(),
    events: dynamoEventStore(boundResource('eventsTable')),
    invalidateUser: async (userId) =>
      (await import('#shared/cache/response-cache.ts')).responseCache.invalidateUser(userId),
    dataKey,
  };
}
