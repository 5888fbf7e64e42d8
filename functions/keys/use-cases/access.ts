import { NotPermittedError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { grants } from '#shared/rbac.ts';
import type { KeyDeps } from '../deps.ts';
import { currentSecret } from '../domain/rotation.ts';
import type { ApiKeyRecord } from '../store/api-keys.ts';

/** A key as its manager sees it: the current secret and every secret it has had still stored. */
export interface ManagedKey {
  readonly current: ApiKeyRecord;
  readonly secrets: readonly ApiKeyRecord[];
}

/** Administrators (`keys:admin`) manage anyone's keys; everyone else only their own. */
export const ADMIN_PERMISSION = 'keys:admin';

export function isKeyAdmin(caller: Principal): boolean {
  return caller.kind === 'user' && grants(caller.permissions, ADMIN_PERMISSION);
}

/**
 * The key `keyId` if the caller may manage it. A user's own keys are looked up under their id, so
 * another user's key is simply "not found": nobody learns it exists. An administrator's lookup
 * falls back to the key's owner entry.
 */
export async function managedKey(
  deps: Pick<KeyDeps, 'keys'>,
  caller: Principal,
  keyId: string,
): Promise<ManagedKey> {
  if (caller.kind === 'api-key')
    throw new NotPermittedError('API keys cannot manage API keys; log in as a user.');
  let secrets = await deps.keys.secretsOf(caller.id, keyId);
  if (secrets.length === 0 && isKeyAdmin(caller)) {
    const owner = await deps.keys.ownerOf(keyId);
    if (owner !== undefined) secrets = await deps.keys.secretsOf(owner, keyId);
  }
  const current = currentSecret(secrets);
  if (current === undefined) throw new ResourceNotFoundError('No such API key.');
  return { current, secrets };
}

/** Whose keys a status request reads: the caller's, or for an administrator anyone's. */
export function statusOwner(caller: Principal, ownerId: string | undefined): string {
  if (ownerId === undefined || ownerId === caller.id) return caller.id;
  if (!isKeyAdmin(caller)) throw new NotPermittedError("Only an administrator may read another user's keys.");
  return ownerId;
}
