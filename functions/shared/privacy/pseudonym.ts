import { keyedHash } from './anonymise.ts';
import { derivedKeyLoader } from './key-material.ts';

/**
 * A person's pseudonym: what stores that must outlive the person's identity (the audit trail, the
 * personal data keys) are keyed by instead of the user id. Stable (same id, same pseudonym, so an
 * erased person's events stay together and countable), and without the key nobody can tell whose
 * it is, nor confirm a guess. The key is never rotated: a new one would split every trail in two.
 */
export function pseudonymOf(key: Buffer, userId: string): string {
  if (userId === '') throw new Error('pseudonymOf needs a user id');
  return keyedHash(key, userId);
}

/** HKDF context of the pseudonym key. */
export const PSEUDONYM_CONTEXT = 'nimbus/pseudonym/v1';

/** The container's pseudonym key, derived from the bound data-key secret (read once). */
export const pseudonymKey: () => Promise<Buffer> = derivedKeyLoader(PSEUDONYM_CONTEXT);
