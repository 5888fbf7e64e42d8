import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

const DEFAULT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Stored hashes carry their own parameters so they can be raised later without a migration, but a
// corrupt or planted record must not make a login burn gigabytes: anything outside these bounds is
// treated as malformed.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

// Verifying an unknown user runs scrypt against this, so the response time does not tell whether
// the account exists. Random bytes, not a real hash: no password can match it.
const DUMMY = { params: DEFAULT, salt: randomBytes(SALT_BYTES), hash: randomBytes(KEY_BYTES) };

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams, length: number): Promise<Buffer> {
  // scrypt needs 128·N·r·p bytes; Node's default ceiling (32 MiB) is exactly that for N=2^15, r=8,
  // which it rejects, so give it room.
  const options: ScryptOptions = { N, r, p, maxmem: 2 * 128 * N * r * p };
  // NFKC so the same password typed on different keyboards or OSes hashes the same (NIST 800-63B).
  const input = password.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(input, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function parse(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6) return null;
  const [scheme, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (scheme !== 'scrypt' || ![n, r, p].every((v) => /^[1-9][0-9]{0,7}$/.test(v))) return null;
  if (!B64URL.test(salt) || !B64URL.test(hash)) return null;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const isPowerOfTwo = (params.N & (params.N - 1)) === 0;
  if (params.N < 2 || params.N > MAX_N || !isPowerOfTwo || params.r > MAX_R || params.p > MAX_P) return null;
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  if (saltBytes.length < SALT_BYTES || hashBytes.length < 16 || hashBytes.length > 64) return null;
  return { params, salt: saltBytes, hash: hashBytes };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, DEFAULT, KEY_BYTES);
  const { N, r, p } = DEFAULT;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * `stored` is null for an unknown user: scrypt still runs (against a dummy) and the answer is
 * false. A malformed stored value is also false, never an exception.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parse(stored);
  const target = parsed ?? DUMMY;
  const candidate = await derive(password, target.salt, target.params, target.hash.length);
  const equal = timingSafeEqual(candidate, target.hash);
  return parsed !== null && equal;
}
