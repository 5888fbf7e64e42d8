import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford's base32 alphabet in lower case: no i, l, o or u, so nothing reads as something else.
// 32 symbols make each character exactly 5 bits, drawn without modulo bias.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUP = 5;
// 2 × 5 characters × 5 bits = 50 bits per code.
const LENGTH = 2 * GROUP;

function randomCode(): string {
  let raw = '';
  for (const byte of randomBytes(LENGTH)) raw += ALPHABET[byte & 31];
  return `${raw.slice(0, GROUP)}-${raw.slice(GROUP)}`;
}

export function generateBackupCodes(count = 10): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomCode());
  return [...codes];
}

/**
 * Case, spaces and dashes do not matter, and the letters people type for the digits they read
 * (o for 0, i and l for 1) are taken as those digits.
 */
function normalise(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
}

// Stored form: `h1:` + hex HMAC-SHA256(key, sha256hex(code)). Keyed, because 50 bits is within
// reach of an offline search of a plain hash (2^50 sha256 is hours on GPUs) once the table leaks;
// the key is derived from the data-key secret, which the table does not hold. It is computed over
// the sha256 that was stored before, so those legacy hashes can be upgraded without the codes.
const PREFIX = 'h1:';
const LEGACY = /^[0-9a-f]{64}$/;

const sha256 = (code: string) => createHash('sha256').update(normalise(code)).digest('hex');
const keyed = (key: Buffer, digest: string) =>
  `${PREFIX}${createHmac('sha256', key).update(digest).digest('hex')}`;

/** The stored form of a backup code under the server-side `key`. */
export function hashBackupCode(code: string, key: Buffer): string {
  return keyed(key, sha256(code));
}

/**
 * Upgrades a stored hash to the keyed form: a legacy plain sha256 (stored before the HMAC) is
 * wrapped, a keyed one is returned as it is. Codes the user holds keep working either way.
 */
export function upgradeBackupHash(stored: string, key: Buffer): string {
  return LEGACY.test(stored) ? keyed(key, stored) : stored;
}

/**
 * Index of the matching hash, or -1. Every hash is compared (each in the keyed form, legacy ones
 * upgraded on the fly), so timing does not show which matched, nor which were legacy.
 */
export function matchBackupCode(code: string, hashes: readonly string[], key: Buffer): number {
  const candidate = Buffer.from(hashBackupCode(code, key));
  let found = -1;
  hashes.forEach((hash, index) => {
    const stored = Buffer.from(upgradeBackupHash(hash, key));
    const equal = stored.length === candidate.length && timingSafeEqual(stored, candidate);
    if (equal && found === -1) found = index;
  });
  return found;
}
