import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  verify as verifySignature,
} from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { Lru } from '#shared/cache/lru.ts';
import {
  field,
  Issues,
  integer,
  isoDatetime,
  literal,
  object,
  oneOf,
  type Path,
  passThrough,
  string,
  strings,
  wrongType,
} from './shape.ts';

/**
 * Access tokens: ES256 JWTs signed with the `current` key of a rotating key set. Issuing goes
 * through jose. Verifying is done here on purpose, on the hot path of every request: the
 * public keys are imported once, the signature is checked with one synchronous `crypto.verify`,
 * and tokens already verified are answered from a bounded cache.
 */

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: string;
  status: 'current' | 'previous' | 'pending';
}

export interface KeySet {
  keys: SigningKey[];
}

export interface AccessClaims {
  sub: string;
  roles: string[];
  permissions: string[];
  session_id: string;
  org_id: string | null;
  /** When the session's password login happened (epoch seconds); absent on tokens older than the claim. */
  auth_time?: number | undefined;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export type TokenErrorReason =
  | 'malformed'
  | 'alg'
  | 'kid'
  | 'signature'
  | 'expired'
  | 'not-before'
  | 'issuer'
  | 'audience'
  | 'claims';

export class TokenError extends Error {
  constructor(readonly reason: TokenErrorReason) {
    super(`token rejected: ${reason}`);
    this.name = 'TokenError';
  }
}

const ALG = 'ES256';
const B64URL = /^[A-Za-z0-9_-]+$/;
// Ours are well under 1 KiB; the cap keeps a hostile header from costing a large decode.
const MAX_TOKEN_LENGTH = 8192;
const DEFAULT_CACHE_SIZE = 10_000;

const KID = /^[A-Za-z0-9_-]{8,64}$/;
const STATUSES = ['current', 'previous', 'pending'] as const;

/** An EC P-256 JWK (the private one when `d` is asked for); fields beyond these are kept. */
function ecJwk(issues: Issues, path: Path, value: unknown, withD: boolean): JWK | undefined {
  const fields = object(issues, path, value);
  if (fields === undefined) return undefined;
  const before = issues.aborted;
  const known: Record<string, unknown> = {
    kty: literal(issues, [...path, 'kty'], field(fields, 'kty'), 'EC'),
    crv: literal(issues, [...path, 'crv'], field(fields, 'crv'), 'P-256'),
    x: string(issues, [...path, 'x'], field(fields, 'x'), { pattern: B64URL }),
    y: string(issues, [...path, 'y'], field(fields, 'y'), { pattern: B64URL }),
  };
  if (withD) known.d = string(issues, [...path, 'd'], field(fields, 'd'), { pattern: B64URL });
  return issues.aborted === before ? (passThrough(fields, known) as JWK) : undefined;
}

/**
 * One key, its status only when `withStatus` (a stored version's status is its stage); other
 * fields are dropped. Undefined when a field has the wrong type; the caller refuses the key when
 * any issue was recorded.
 */
function signingKey(issues: Issues, path: Path, value: unknown, withStatus: true): SigningKey | undefined;
function signingKey(
  issues: Issues,
  path: Path,
  value: unknown,
  withStatus: false,
): StoredSigningKey | undefined;
function signingKey(
  issues: Issues,
  path: Path,
  value: unknown,
  withStatus: boolean,
): SigningKey | StoredSigningKey | undefined {
  const fields = object(issues, path, value);
  if (fields === undefined) return undefined;
  const before = issues.aborted;
  const kid = string(issues, [...path, 'kid'], field(fields, 'kid'), { pattern: KID });
  const alg = literal(issues, [...path, 'alg'], field(fields, 'alg'), ALG);
  const privateJwk = ecJwk(issues, [...path, 'privateJwk'], field(fields, 'privateJwk'), true);
  const publicJwk = ecJwk(issues, [...path, 'publicJwk'], field(fields, 'publicJwk'), false);
  const createdAt = isoDatetime(issues, [...path, 'createdAt'], field(fields, 'createdAt'));
  const status = withStatus
    ? oneOf(issues, [...path, 'status'], field(fields, 'status'), STATUSES)
    : undefined;
  if (
    issues.aborted !== before ||
    kid === undefined ||
    alg === undefined ||
    privateJwk === undefined ||
    publicJwk === undefined ||
    createdAt === undefined
  ) {
    return undefined;
  }
  // The pair checks run once every field has its type, as the schema's refinement did.
  if ('d' in publicJwk) issues.add([...path, 'publicJwk'], 'must not hold the private key', false);
  if (privateJwk.x !== publicJwk.x || privateJwk.y !== publicJwk.y) {
    issues.add([...path, 'publicJwk'], 'is not the pair of privateJwk', false);
  }
  if (publicJwk.kid !== undefined && publicJwk.kid !== kid) {
    issues.add([...path, 'publicJwk', 'kid'], 'differs from the key kid', false);
  }
  const stored = { kid, alg, privateJwk, publicJwk, createdAt };
  return status === undefined ? stored : { ...stored, status };
}

/** The value of one secret version: a key without its status. */
export type StoredSigningKey = Omit<SigningKey, 'status'>;

/** One key as a secret version stores it. Errors name the problem, never the key material. */
export function checkStoredSigningKey(raw: unknown): StoredSigningKey {
  const issues = new Issues();
  const key = signingKey(issues, [], raw, false);
  if (key === undefined || issues.count > 0) throw new Error(`invalid signing key: ${issues}`);
  return key;
}

/**
 * A key set: at least one key, one of them `current`, no kid twice. Fields beside `keys` are
 * dropped. Errors name the problem, never the key material.
 */
export function checkKeySet(raw: unknown): KeySet {
  const issues = new Issues();
  const fields = object(issues, [], raw);
  const value = fields === undefined ? undefined : field(fields, 'keys');
  if (fields !== undefined && !Array.isArray(value)) wrongType(issues, ['keys'], 'array', value);
  if (Array.isArray(value)) {
    if (value.length < 1) issues.add(['keys'], 'Too small: expected array to have >=1 items', false);
    const keys = value.map((entry: unknown, i) => signingKey(issues, ['keys', i], entry, true));
    // The set's own checks run once every key has its type, as the schema's refinement did.
    if (issues.aborted === 0) {
      const typed = keys as SigningKey[];
      if (!typed.some((key) => key.status === 'current')) {
        issues.add(['keys'], 'needs a key with status "current"', false);
      }
      if (new Set(typed.map((key) => key.kid)).size !== typed.length) {
        issues.add(['keys'], 'has duplicate kids', false);
      }
      if (issues.count === 0) return { keys: typed };
    }
  }
  throw new Error(`invalid signing key set: ${issues}`);
}

export interface IssuedClaims {
  sub: string;
  roles: string[];
  permissions: string[];
  session_id: string;
  org_id: string | null;
  // Time of the password login (OIDC's `auth_time`), kept through refreshes: step-up compares it.
  auth_time: number;
}

/**
 * The claims of `value`, or undefined with its issues. `auth_time` may be absent only on a
 * verified token: tokens minted before the claim existed stay valid for their few minutes, and
 * without it a sensitive change asks for the password. Claims not named here are dropped.
 */
function claimsOf(issues: Issues, value: unknown, verified: false): IssuedClaims | undefined;
function claimsOf(issues: Issues, value: unknown, verified: true): AccessClaims | undefined;
function claimsOf(
  issues: Issues,
  value: unknown,
  verified: boolean,
): IssuedClaims | AccessClaims | undefined {
  const fields = object(issues, [], value);
  if (fields === undefined) return undefined;
  const orgId = field(fields, 'org_id');
  const authTime = field(fields, 'auth_time');
  const claims: Record<string, unknown> = {
    sub: string(issues, ['sub'], field(fields, 'sub'), { min: 1 }),
    roles: strings(issues, ['roles'], field(fields, 'roles')),
    permissions: strings(issues, ['permissions'], field(fields, 'permissions')),
    session_id: string(issues, ['session_id'], field(fields, 'session_id'), { min: 1 }),
    org_id: orgId === null ? null : string(issues, ['org_id'], orgId, { min: 1 }),
  };
  if (!verified || authTime !== undefined) {
    claims.auth_time = integer(issues, ['auth_time'], authTime, 'nonnegative');
  }
  if (verified) {
    claims.iat = integer(issues, ['iat'], field(fields, 'iat'), 'nonnegative');
    claims.exp = integer(issues, ['exp'], field(fields, 'exp'), 'positive');
    claims.iss = string(issues, ['iss'], field(fields, 'iss'));
    claims.aud = string(issues, ['aud'], field(fields, 'aud'));
  }
  return issues.count === 0 ? (claims as unknown as IssuedClaims | AccessClaims) : undefined;
}

export async function generateSigningKey(
  now: Date,
  status: SigningKey['status'] = 'current',
): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const meta = { kid, alg: ALG, use: 'sig' } as const;
  return {
    kid,
    alg: ALG,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    createdAt: now.toISOString(),
    status,
  };
}

/** JSON of a secret holding keys; the error names `what`, never the input. */
export function parseKeyJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    // JSON.parse quotes the offending input in its message, which here is private key material.
    throw new Error(`${what} is not valid JSON`);
  }
}

/** Parses the key set as stored (a secret). Errors name the problem, never the key material. */
export function parseKeySet(json: string): KeySet {
  return checkKeySet(parseKeyJson(json, 'signing key set'));
}

/**
 * Public half of every key, pending and previous included: a verifier must know a key before it
 * signs its first token and until the last token it signed has expired. Fields are copied one by
 * one, so nothing private can ride along.
 */
export function jwksOf(keySet: KeySet): { keys: JWK[] } {
  return {
    keys: keySet.keys.map(({ kid, publicJwk: { kty, crv, x, y } }) => ({
      kty,
      crv,
      x,
      y,
      kid,
      alg: ALG,
      use: 'sig',
    })),
  };
}

function signerOf(keySet: KeySet): SigningKey {
  // Several `current` keys only happen mid-rotation; the newest is the one meant to sign.
  const current = keySet.keys
    .filter((key) => key.status === 'current')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (current === undefined) throw new Error('signing key set has no current key');
  return current;
}

export interface TokenIssuerOptions {
  readonly keySet: KeySet;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

export function createTokenIssuer(opts: TokenIssuerOptions) {
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0) {
    throw new Error('ttlSeconds must be a positive integer');
  }
  const signer = signerOf(opts.keySet);
  const { kty, crv, x, y, d } = signer.privateJwk;
  const privateKey = createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' });
  const now = opts.now ?? Date.now;

  return {
    async issue(claims: IssuedClaims): Promise<{ token: string; expiresIn: number; kid: string }> {
      const issues = new Issues();
      const checked = claimsOf(issues, claims, false);
      if (checked === undefined) throw new Error(`invalid claims: ${issues}`);
      const { sub, roles, permissions, session_id, org_id, auth_time } = checked;
      const iat = Math.floor(now() / 1000);
      const token = await new SignJWT({ roles, permissions, session_id, org_id, auth_time })
        .setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + opts.ttlSeconds)
        .sign(privateKey);
      return { token, expiresIn: opts.ttlSeconds, kid: signer.kid };
    },
  };
}

/** A public key the verifier accepts: fields beyond these are dropped. */
function verifierJwk(
  issues: Issues,
  value: unknown,
): { kty: string; crv: string; x: string; y: string; kid: string } | undefined {
  const fields = object(issues, [], value);
  if (fields === undefined) return undefined;
  const kty = literal(issues, ['kty'], field(fields, 'kty'), 'EC');
  const crv = literal(issues, ['crv'], field(fields, 'crv'), 'P-256');
  const x = string(issues, ['x'], field(fields, 'x'), { pattern: B64URL });
  const y = string(issues, ['y'], field(fields, 'y'), { pattern: B64URL });
  const kid = string(issues, ['kid'], field(fields, 'kid'), { min: 1 });
  const alg = field(fields, 'alg');
  if (alg !== undefined) literal(issues, ['alg'], alg, ALG);
  const use = field(fields, 'use');
  if (use !== undefined) literal(issues, ['use'], use, 'sig');
  if (issues.count !== 0 || kty === undefined || crv === undefined || x === undefined || y === undefined) {
    return undefined;
  }
  return kid === undefined ? undefined : { kty, crv, x, y, kid };
}

function importPublicKeys(keySet: KeySet | { keys: JWK[] }): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const entries: readonly (SigningKey | JWK)[] = keySet.keys;
  entries.forEach((entry, index) => {
    const jwk = 'publicJwk' in entry ? { ...entry.publicJwk, kid: entry.kid } : entry;
    const issues = new Issues();
    const checked = verifierJwk(issues, jwk);
    if (checked === undefined) {
      throw new Error(`verification key ${index} is not an ES256 public key: ${issues}`);
    }
    const { kty, crv, x, y, kid } = checked;
    if (keys.has(kid)) throw new Error(`verification keys share the kid ${kid}`);
    keys.set(kid, createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }));
  });
  if (keys.size === 0) throw new Error('no verification keys');
  return keys;
}

function decodeJson(segment: string): Record<string, unknown> {
  if (!B64URL.test(segment)) throw new TokenError('malformed');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('malformed');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenError('malformed');
  return value as Record<string, unknown>;
}

export interface TokenVerifierOptions {
  readonly keySet: KeySet | { keys: JWK[] };
  readonly issuer: string;
  readonly audience: string;
  /** @default 0 */
  readonly clockToleranceSeconds?: number;
  /** Verified tokens remembered; 0 turns the cache off. @default 10_000 */
  readonly cacheSize?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

export function createTokenVerifier(opts: TokenVerifierOptions) {
  const keys = importPublicKeys(opts.keySet);
  const tolerance = opts.clockToleranceSeconds ?? 0;
  const cacheSize = opts.cacheSize ?? DEFAULT_CACHE_SIZE;
  const now = opts.now ?? Date.now;
  const cache = cacheSize > 0 ? new Lru<AccessClaims>(cacheSize) : undefined;

  function verifyUncached(token: string, nowSeconds: number): AccessClaims {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('malformed');
    const parts = token.split('.');
    if (parts.length !== 3) throw new TokenError('malformed');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

    const header = decodeJson(encodedHeader);
    if (header.alg !== ALG) throw new TokenError('alg');
    // No extension is understood, so a critical one must fail (RFC 7515 §4.1.11); typ keeps other
    // JWS signed by the same keys from passing as access tokens.
    if (header.crit !== undefined || header.typ !== 'JWT') throw new TokenError('malformed');
    const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
    if (key === undefined) throw new TokenError('kid');
    if (!B64URL.test(encodedPayload) || !B64URL.test(encodedSignature)) throw new TokenError('malformed');

    const signature = Buffer.from(encodedSignature, 'base64url');
    const signed = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii');
    const valid =
      signature.length === 64 &&
      verifySignature('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (!valid) throw new TokenError('signature');

    const payload = decodeJson(encodedPayload);
    const { exp, nbf, iat } = payload;
    if (typeof exp !== 'number' || typeof iat !== 'number') throw new TokenError('claims');
    if (exp <= nowSeconds - tolerance) throw new TokenError('expired');
    if (nbf !== undefined && typeof nbf !== 'number') throw new TokenError('claims');
    // A token issued in the future is no more valid yet than one whose nbf is in the future.
    if (Math.max(iat, nbf ?? iat) > nowSeconds + tolerance) throw new TokenError('not-before');
    if (payload.iss !== opts.issuer) throw new TokenError('issuer');
    if (payload.aud !== opts.audience) throw new TokenError('audience');
    const claims = claimsOf(new Issues(), payload, true);
    if (claims === undefined) throw new TokenError('claims');
    // Cached claims are handed to every caller of the same token: frozen, so none can alter them.
    Object.freeze(claims.roles);
    Object.freeze(claims.permissions);
    return Object.freeze(claims);
  }

  return {
    async verify(token: string): Promise<AccessClaims> {
      const nowSeconds = Math.floor(now() / 1000);
      const cached = cache?.get(token);
      if (cached !== undefined) {
        if (cached.exp > nowSeconds - tolerance) return cached;
        cache?.delete(token);
        throw new TokenError('expired');
      }
      const claims = verifyUncached(token, nowSeconds);
      cache?.set(token, claims);
      return claims;
    },
  };
}
