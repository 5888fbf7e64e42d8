import { randomUUID } from 'node:crypto';
import { boundResource } from '#shared/config/bindings.ts';
import type { Principal } from '#shared/http/principal.ts';
import { pseudonymKey, pseudonymOf } from '#shared/privacy/pseudonym.ts';
import { credentialsPrefixFromEnv, type DeploymentSettings, deploymentSettingsFromEnv } from './config.ts';
import type { TargetCircuit } from './domain/model.ts';
import { type CatalogStore, dynamoCatalogStore } from './store/catalog.ts';
import { cachedStackReads, type StackReads } from './store/catalog-cache.ts';

/** A target's circuit breaker as the saga keeps it (Redis); a target never tripped is `closed`. */
export type CircuitReader = (targetId: string) => Promise<TargetCircuit>;

/**
 * Who made a change, as the catalog records it (`createdBy`): `user:~<pseudonym>` for a user,
 * `apikey:~<pseudonym of the key's owner>` for an API key. A pseudonym, never the user id: the
 * catalog outlives people and holds no direct identifier of anyone.
 */
export type ActorOf = (principal: Principal) => Promise<string>;

export interface CatalogDeps {
  readonly store: CatalogStore;
  /** Stack and version reads for GETs (cached where bound); updates read `store`, never a cached copy. */
  readonly stackReads: StackReads;
  readonly settings: Pick<DeploymentSettings, 'allowLoopbackHttp' | 'allowDryRun'> & {
    /** Where target credentials and notification secrets must live (`nimbus/<stage>/deployments/`). */
    readonly credentialsPrefix: string;
  };
  readonly actorOf: ActorOf;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** Reading a target also shows its circuit. */
export interface TargetReadDeps extends CatalogDeps {
  readonly circuitOf: CircuitReader;
}

export async function actorOf(principal: Principal): Promise<string> {
  const pseudonym = pseudonymOf(await pseudonymKey(), principal.id);
  return principal.kind === 'user' ? `user:~${pseudonym}` : `apikey:~${pseudonym}`;
}

/** Every catalog route's deps (needs `app:readWrite` or `app:read`, `deployments`, `dataKey:read`, `redis`). */
export function catalogDeps(): CatalogDeps {
  const store = dynamoCatalogStore(boundResource('appTable'));
  return {
    store,
    stackReads: cachedStackReads(store),
    settings: { ...deploymentSettingsFromEnv(), credentialsPrefix: credentialsPrefixFromEnv() },
    actorOf,
    now: () => new Date(),
    newId: randomUUID,
  };
}

/** `GET /v1/targets/{targetId}`: the catalog and the circuit breakers' state (in Redis: the `redis` need). */
export function targetReadDeps(circuitOf: CircuitReader): TargetReadDeps {
  return { ...catalogDeps(), circuitOf };
}
