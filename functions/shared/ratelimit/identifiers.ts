import { readSecretString } from '../clients/secrets.ts';
import { boundResource } from '../config/bindings.ts';
import { memoiseAsync } from '../memoise.ts';
import { keyedHash } from '../privacy/anonymise.ts';

/**
 * Redis key names never hold an email or an IP: each identifier is replaced by an HMAC under a key
 * of its own (the `RateLimitKey` secret), so whoever can list Redis keys (the provider's console, a
 * backup) learns neither who logs in nor from where, and cannot test guesses without the secret. A
 * plain hash would not do: every IPv4 address hashes in minutes. 128 bits keep collisions out of
 * reach while keeping key names short.
 */
export function keyedIdentifier(key: Buffer, identifier: string): string {
  return keyedHash(key, identifier);
}

/** The container's HMAC key: given directly (tests, tools) or read once from the bound secret. */
export const identifierKeyLoader = (direct: string | undefined) =>
  memoiseAsync(async () =>
    Buffer.from(direct ?? (await readSecretString(boundResource('rateLimitKeySecret'))), 'utf8'),
  );
