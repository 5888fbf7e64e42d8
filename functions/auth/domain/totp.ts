import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), as authenticator apps implement them. */

export type OtpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  /** Seconds per time step. @default 30 */
  readonly step?: number;
  /** @default 6 */
  readonly digits?: number;
  /** @default 'sha1' (the only one every authenticator app supports) */
  readonly algorithm?: OtpAlgorithm;
}

export type TotpVerification = { ok: true; step: number } | { ok: false };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_SECONDS = 30;
const DIGITS = 6;
// Accept the previous and next step too: phone clocks drift and people type slowly.
const DRIFT_STEPS = 1;

export function base32Encode(bytes: Buffer): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Case-insensitive; padding and spaces (as apps display secrets) are ignored; anything else throws. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = ALPHABET.indexOf(char);
    if (value === -1) throw new Error('invalid base32 character');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/** 160 bits, the key length RFC 4226 recommends for HMAC-SHA1. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function hotp(
  key: Buffer,
  counter: bigint | number,
  digits: number = DIGITS,
  algorithm: OtpAlgorithm = 'sha1',
): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 10) throw new RangeError('digits must be 1..10');
  const value = BigInt(counter);
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError('counter out of range');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(value);
  const mac = createHmac(algorithm, key).update(message).digest();
  // Dynamic truncation (RFC 4226 §5.3).
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function stepAt(timeMs: number, stepSeconds: number): number {
  return Math.floor(timeMs / 1000 / stepSeconds);
}

export function totpAt(secretBase32: string, timeMs: number, opts: TotpOptions = {}): string {
  const step = opts.step ?? STEP_SECONDS;
  return hotp(base32Decode(secretBase32), stepAt(timeMs, step), opts.digits ?? DIGITS, opts.algorithm);
}

/**
 * Checks a 6-digit code against the current step ±1. A step at or before `lastUsedStep` is refused,
 * so a code works once: the caller stores the returned step as the new `lastUsedStep`.
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  nowMs: number,
  lastUsedStep: number | null,
): TotpVerification {
  if (!/^[0-9]{6}$/.test(code)) return { ok: false };
  const key = base32Decode(secretBase32);
  const given = Buffer.from(code);
  const current = stepAt(nowMs, STEP_SECONDS);
  let matched = -1;
  // Every candidate is compared, without an early exit, so timing does not reveal which one matched.
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (step < 0) continue;
    const equal = timingSafeEqual(Buffer.from(hotp(key, step)), given);
    const fresh = lastUsedStep === null || step > lastUsedStep;
    if (equal && fresh) matched = step;
  }
  return matched === -1 ? { ok: false } : { ok: true, step: matched };
}

export function otpauthUri({
  secret,
  account,
  issuer,
}: {
  secret: string;
  account: string;
  issuer: string;
}): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${DIGITS}`,
    `period=${STEP_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}
