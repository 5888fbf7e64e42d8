import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * A plain sha256, not a password hash: each code carries 50 random bits, far beyond what an offline
 * guesser can search, so a slow KDF would add latency without adding safety.
 */
export function hashBackupCode(code: string): string {
  return createHash('sha256').update(normalise(code)).digest('hex');
}

/** Index of the matching hash, or -1. Every hash is compared, so timing does not show which matched. */
export function matchBackupCode(code: string, hashes: readonly string[]): number {
  const candidate = Buffer.from(hashBackupCode(code));
  let found = -1;
  hashes.forEach((hash, index) => {
    const stored = Buffer.from(hash);
    const equal = stored.length === candidate.length && timingSafeEqual(stored, candidate);
    if (equal && found === -1) found = index;
  });
  return found;
}
