import { boundResource } from '#shared/config/bindings.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { jwksOf } from '../domain/jwt.ts';
import { jwks as route } from '../routes.ts';
import { readKeySet, secretsManagerSigningKeySecret } from '../store/signing-keys.ts';

const secret = secretsManagerSigningKeySecret(boundResource('signingKeysSecret'));

/**
 * Runs only on a cache miss, which a key-set change causes (the route's cache is tagged with the
 * key set and confirmed on every hit): so it reads the secret itself rather than the keyring a
 * warm container refreshes every few minutes. The set is every staged key: current, previous and
 * pending, so relying parties know the next key before anything is signed with it.
 */
export const handler = httpHandler(route, async () => ({
  body: jwksOf(await readKeySet(secret)),
  // Verifiers may cache the set briefly; a new key is published before it signs anything.
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
