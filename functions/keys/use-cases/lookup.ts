import { hashApiKey, looksLikeApiKey } from '../domain/api-keys.ts';
import type { ApiKeyStore } from '../store/api-keys.ts';

/**
 * API keys as the authorizer looks them up: by the hash of the presented key, never the key
 * itself. Shaped to the identity feature's `ApiKeyLookup` port without importing it; the
 * composition root (`functions/authorizer/deps.ts`) checks the fit.
 */
export function apiKeyLookup(keys: Pick<ApiKeyStore, 'getByHash' | 'touch'>) {
  return {
    // Anything that is not exactly our format is refused before it costs a lookup.
    fingerprint: (presented: string): string | null =>
      looksLikeApiKey(presented) ? hashApiKey(presented) : null,
    find: (hash: string) => keys.getByHash(hash),
    touch: (hash: string, at: string, staleBefore: string) => keys.touch(hash, at, staleBefore),
  };
}
