import type { KeyDeps } from '../deps.ts';
import { publicKey } from './public-key.ts';

/** The caller's keys, newest first, one entry per key (its current secret), without secrets. */
export async function listOwnKeys(deps: KeyDeps, ownerId: string) {
  const secrets = await deps.keys.listByOwner(ownerId);
  return secrets
    .filter((secret) => secret.supersededAt === null)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map(publicKey);
}
