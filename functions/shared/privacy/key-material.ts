import { readSecretString } from '../clients/secrets.ts';
import { boundResource } from '../config/bindings.ts';
import { deriveKey } from '../crypto-box.ts';
import { memoiseAsync } from '../memoise.ts';

/** The bound data-key secret, read once per container. */
const dataKeyMaterial = memoiseAsync(() => readSecretString(boundResource('dataKeySecret')));

/**
 * A loader of one key derived from the data-key secret under `context` (its own HKDF context, so
 * keys for different uses never coincide), memoised per container.
 */
export function derivedKeyLoader(context: string): () => Promise<Buffer> {
  return memoiseAsync(async () => deriveKey(await dataKeyMaterial(), context));
}
