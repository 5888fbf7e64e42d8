import { generateSigningKey } from '../domain/jwt.ts';
import { parseStoredKey, type StoredSigningKey } from '../domain/signing-key-versions.ts';

/** The signing-key secret as the deploy-time initialiser sees it. */
export interface KeySetSecret {
  /** The `AWSCURRENT` value; throws when it cannot be read (throttling, permissions, network). */
  readRaw(): Promise<string>;
  /** Stores the key as a new `AWSCURRENT` version (one key per version). */
  write(key: StoredSigningKey): Promise<void>;
}

/**
 * Whether the secret still holds what the stateful stack put there (`{ keys: [], placeholder }`):
 * JSON with an empty key list. Anything else is someone's key set, valid or not, and never ours
 * to replace.
 */
export function isPlaceholder(raw: string): boolean {
  try {
    const parsed: unknown = JSON.parse(raw);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      Array.isArray((parsed as { keys?: unknown }).keys) &&
      (parsed as { keys: unknown[] }).keys.length === 0
    );
  } catch {
    return false;
  }
}

/**
 * Makes sure the secret's current version holds a valid signing key. Only a placeholder that was
 * actually read gets a fresh key, written as the first `AWSCURRENT` version: a failed read throws
 * (the custom resource fails, the deploy stops, nothing is written), and so does a stored value
 * that is neither a placeholder nor a valid key (a whole key set in the former format counts, read
 * as its current key). Replacing the keys on a read error once logged everybody out (one throttled
 * read).
 */
export async function ensureKeySet(
  secret: KeySetSecret,
  now: () => Date,
): Promise<{ readonly kid: string; readonly created: boolean }> {
  const raw = await secret.readRaw();
  if (isPlaceholder(raw)) {
    const { status: _status, ...key } = await generateSigningKey(now(), 'current');
    await secret.write(key);
    return { kid: key.kid, created: true };
  }
  return { kid: parseStoredKey(raw).kid, created: false };
}
