import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

// OWASP's minimum for scrypt (Password Storage Cheat Sheet): 2^17 · 8 · 128 B = 128 MiB, in the
// order of 100-300 ms on a Lambda core.
const DEFAULT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Stored hashes carry their own parameters so they can be raised later without a migration, but a
// corrupt or planted record must not make a login allocate gigabytes or spin for minutes: anything
// beyond these bounds is treated as malformed, before scrypt runs. Room to double the memory
// (256 MiB, still within a 512 MB function) and quadruple the work of today's defaults.
const MAX_MEMORY_BYTES = 2 * 128 * DEFAULT.N * DEFAULT.r + 1024 * 1024;
const MAX_WORK = 4 * DEFAULT.N * DEFAULT.r * DEFAULT.p;
const MAX_R = 32;
const MAX_P = 16;

/** What OpenSSL's scrypt allocates: the V array (128·r·N) plus the B blocks (128·r·p). */
const memoryOf = ({ N, r, p }: ScryptParams) => 128 * r * (N + p + 2);

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
  // Node's default ceiling (32 MiB) is below what the default parameters need; parse() has already
  // bounded what a stored hash may ask for.
  const options: ScryptOptions = { N, r, p, maxmem: memoryOf({ N, r, p }) + 1024 * 1024 };
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
  if (params.N < 2 || !isPowerOfTwo || params.r > MAX_R || params.p > MAX_P) return null;
  if (memoryOf(params) > MAX_MEMORY_BYTES || params.N * params.r * params.p > MAX_WORK) return null;
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
 * false. A malformed stored value (or one asking for out-of-bounds parameters) is false at once,
 * without deriving: it belongs to an existing account, so there is no existence to hide, and a
 * planted hash must cost nothing.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  if (stored === null) {
    await derive(password, DUMMY.salt, DUMMY.params, DUMMY.hash.length);
    return false;
  }
  const parsed = parse(stored);
  if (parsed === null) return false;
  const candidate = await derive(password, parsed.salt, parsed.params, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

/**
 * Whether a stored hash (already verified) is weaker than what `hashPassword` writes today: the
 * login that just proved the password re-hashes it with the current parameters.
 */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  if (parsed === null) return false;
  const { N, r, p } = parsed.params;
  return N < DEFAULT.N || r < DEFAULT.r || p < DEFAULT.p || parsed.hash.length < KEY_BYTES;
}
