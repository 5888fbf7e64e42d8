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

/** Identifier formats (also what the admin endpoints take). */
export const ipIdentifier = (ip: string): string => `ip:${ip}`;
export const principalIdentifier = (principalId: string): string => `p:${principalId}`;
/** The account a login names, as the user store would find it (case and spaces do not matter). */
export const accountIdentifier = (email: string): string => `acct:${email.trim().toLowerCase()}`;
/** One IP at one account: the two parts are hashed apart (see `redisIdentifier`). */
export const pairIdentifier = (ip: string, email: string): string =>
  `${ipIdentifier(ip)}|${accountIdentifier(email)}`;

/**
 * The name Redis knows an identifier by. Each `|`-separated part is hashed on its own and the
 * hashes joined by `.`, so the counters of one account can be found (and erased, GDPR) from its
 * email alone, without the IPs it was tried from: `nimbus:rl:auth_login:<H(ip)>.<H(acct)>:<window>`.
 */
export function redisIdentifier(key: Buffer, identifier: string): string {
  return identifier
    .split('|')
    .map((part) => keyedIdentifier(key, part))
    .join('.');
}

/** The container's HMAC key: given directly (tests, tools) or read once from the bound secret. */
export const identifierKeyLoader = (direct: string | undefined) =>
  memoiseAsync(async () =>
    Buffer.from(direct ?? (await readSecretString(boundResource('rateLimitKeySecret'))), 'utf8'),
  );
