import { boundResource } from '#shared/config/bindings.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { jwksOf } from '../domain/jwt.ts';
import { jwks as route } from '../routes.ts';
import { readKeySet } from '../store/signing-keys.ts';

const SECRET_ARN = boundResource('signingKeysSecret');

/**
 * Runs only on a cache miss, which a key-set change causes (the route's cache is tagged with the
 * key set and confirmed on every hit): so it reads the secret itself rather than the keyring a
 * warm container refreshes every few minutes.
 */
export const handler = httpHandler(route, async () => ({
  body: jwksOf(await readKeySet(SECRET_ARN)),
  // Verifiers may cache the set briefly; a new key is published before it signs anything.
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
