import { readSecretString } from '#shared/clients/secrets.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { memoiseAsync } from '#shared/memoise.ts';
import type { AuthConfig } from '../config.ts';
import { createTokenIssuer, createTokenVerifier, jwksOf, type KeySet, parseKeySet } from '../domain/jwt.ts';

export interface Keyring {
  readonly issuer: ReturnType<typeof createTokenIssuer>;
  readonly verifier: ReturnType<typeof createTokenVerifier>;
  readonly jwks: ReturnType<typeof jwksOf>;
  readonly keySet: KeySet;
}

// Re-read the key set at most every 5 minutes: a change of the key set reaches warm containers
// within that. A key meant to sign next is added as `pending` first, so verifiers know it before
// any token is signed with it.
const REFRESH_MS = 5 * 60_000;

async function load(config: AuthConfig): Promise<Keyring> {
  const keySet = parseKeySet(await readSecretString(boundResource('signingKeysSecret')));
  return {
    keySet,
    issuer: createTokenIssuer({
      keySet,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
    }),
    verifier: createTokenVerifier({ keySet, issuer: config.issuer, audience: config.audience }),
    jwks: jwksOf(keySet),
  };
}

/**
 * The signing/verification keys of this container, loaded once and refreshed periodically. The
 * config is the container's one: a call within the refresh period gets the loaded ring whatever it passes.
 */
export const keyring: (config: AuthConfig) => Promise<Keyring> = memoiseAsync(load, { maxAgeMs: REFRESH_MS });
