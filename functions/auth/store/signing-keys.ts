import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { readSecretString, secretsManager } from '#shared/clients/secrets.ts';
import { SIGNING_KEYS_TAG } from '../domain/cache-tags.ts';
import { type KeySet, parseKeySet } from '../domain/jwt.ts';

/** The key set in the secret (its `AWSCURRENT` version), validated. */
export async function readKeySet(secretArn: string): Promise<KeySet> {
  return parseKeySet(await readSecretString(secretArn));
}

/** Stores a new version of the key set (it becomes `AWSCURRENT`), validated as readers will parse it. */
export async function writeKeySet(secretArn: string, keySet: KeySet): Promise<void> {
  const secretString = JSON.stringify(keySet);
  parseKeySet(secretString);
  await secretsManager.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: secretString }));
}

/**
 * Replaces the key set of a running system, then drops what was derived from the old one. The
 * write comes first: a reader that reloads after the invalidation must find the new set.
 */
export async function replaceKeySet(
  secretArn: string,
  keySet: KeySet,
  invalidateTags: (tags: readonly string[]) => Promise<void>,
): Promise<void> {
  await writeKeySet(secretArn, keySet);
  await invalidateTags([SIGNING_KEYS_TAG]);
}
