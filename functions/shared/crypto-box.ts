import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption for small secrets at rest (TOTP secrets, API-key secrets left by a
 * scheduled rotation for their owner to collect). Shared so that features need not import each
 * other for it. Pass the owning record's id as `aad`: a sealed value copied onto another record
 * then fails to open.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** One master secret, many keys: `context` names the use, so keys for different uses never coincide. */
export function deriveKey(material: string, context: string): Buffer {
  if (material === '' || context === '') throw new Error('deriveKey needs key material and a context');
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), context, KEY_BYTES));
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SealError(`key must be ${KEY_BYTES} bytes`);
}

export function seal(plaintext: string, key: Buffer, aad?: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
  return [VERSION, ...parts].join('.');
}

/** Throws a SealError when the value is malformed, was altered, or was sealed with another key or aad. */
export function open(sealed: string, key: Buffer, aad?: string): string {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !parts.every((part) => B64URL.test(part))) {
    throw new SealError('sealed value is malformed');
  }
  const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64url')) as [
    Buffer,
    Buffer,
    Buffer,
  ];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SealError('sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError('sealed value failed authentication');
  }
}
