import { createHash, randomBytes } from 'node:crypto';

export type ApiKeyEnvironment = 'live' | 'test';

export interface GeneratedApiKey {
  /** Shown to the owner once, never stored. */
  readonly key: string;
  /** Stored and shown in listings so the owner can tell keys apart. */
  readonly prefix: string;
  /** What is stored and looked up. */
  readonly hash: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 32;
const PREFIX_CHARS = 16;
// The largest multiple of 62 that fits in a byte: bytes at or above it are dropped, so every
// character is equally likely (~190 bits in all).
const UNBIASED_LIMIT = 62 * 4;
const FORMAT = /^nmb_(live|test)_[0-9A-Za-z]{32}$/;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < UNBIASED_LIMIT && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/**
 * A fast hash is enough: the key is 190 random bits, so the hash cannot be reversed by guessing,
 * and a lookup on every request cannot afford a slow KDF.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(environment: ApiKeyEnvironment): GeneratedApiKey {
  const key = `nmb_${environment}_${randomBase62(RANDOM_CHARS)}`;
  return { key, prefix: key.slice(0, PREFIX_CHARS), hash: hashApiKey(key) };
}

/** Anything that is not exactly our format is refused before it costs a lookup. */
export function looksLikeApiKey(key: string): boolean {
  return FORMAT.test(key);
}
