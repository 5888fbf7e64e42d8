import { authorizerCache } from '#shared/cache/authorizer-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { authConfigFromEnv } from '../auth/config.ts';
import { type ApiKeyLookup, type AuthenticatorDeps, authenticatorDeps } from '../auth/deps.ts';
import { dynamoApiKeyStore } from '../keys/store/api-keys.ts';
import { apiKeyLookup } from '../keys/use-cases/lookup.ts';

/**
 * The composition root of the authorizer, and the only module that knows both identity and API
 * keys: it plugs the keys feature into the authenticator's `ApiKeyLookup` port
 * (docs/decisions/0007-feature-boundaries.md).
 */
export function authorizerDeps(): AuthenticatorDeps {
  const apiKeys: ApiKeyLookup = apiKeyLookup(dynamoApiKeyStore(boundResource('appTable')));
  return authenticatorDeps(apiKeys, authorizerCache(authConfigFromEnv().authorizerCacheSeconds));
}
