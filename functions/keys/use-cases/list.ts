import type { KeyDeps } from '../deps.ts';
import { publicKey } from './public-key.ts';

/** The caller's keys, newest first, without their secrets. */
export async function listOwnKeys(deps: KeyDeps, ownerId: string) {
  const keys = await deps.keys.listByOwner(ownerId);
  return keys.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map(publicKey);
}
