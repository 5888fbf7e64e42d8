import { readSecretString } from '#shared/clients/secrets.ts';
import { requireEnv } from '#shared/env.ts';
import type { AuthConfig } from '../config.ts';
import { createTokenIssuer, createTokenVerifier, jwksOf, type KeySet, parseKeySet } from '../domain/jwt.ts';

export interface Keyring {
  readonly issuer: ReturnType<typeof createTokenIssuer>;
  readonly verifier: ReturnType<typeof createTokenVerifier>;
  readonly jwks: ReturnType<typeof jwksOf>;
  readonly keySet: KeySet;
}

// Re-read the key set at most every 5 minutes: a rotation reaches warm containers within that,
// and verifiers know a `pending` key before it starts signing (see the key-rotation design).
const REFRESH_MS = 5 * 60_000;
let cached: { at: number; ring: Promise<Keyring> } | undefined;

async function load(config: AuthConfig): Promise<Keyring> {
  const keySet = parseKeySet(await readSecretString(requireEnv('SIGNING_KEYS_SECRET_ARN')));
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

/** The signing/verification keys of this container, loaded once and refreshed periodically. */
export function keyring(config: AuthConfig): Promise<Keyring> {
  const now = Date.now();
  if (cached === undefined || now - cached.at > REFRESH_MS) {
    const ring = load(config);
    const entry = { at: now, ring };
    cached = entry;
    ring.catch(() => {
      if (cached === entry) cached = undefined; // do not keep a failed load
    });
  }
  return cached.ring;
}
