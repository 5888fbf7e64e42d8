import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  randomBytes,
  verify as verifySignature,
} from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import * as z from 'zod';
import { Lru } from '#shared/cache/lru.ts';

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

const b64url = z.string().regex(B64URL);
const ecPublicJwk = z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64url, y: b64url });

const signingKeyFields = z.object({
  kid: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  alg: z.literal(ALG),
  privateJwk: ecPublicJwk.extend({ d: b64url }),
  publicJwk: ecPublicJwk,
  createdAt: z.iso.datetime(),
});

function checkPair(key: z.infer<typeof signingKeyFields>, ctx: z.RefinementCtx): void {
  if ('d' in key.publicJwk) {
    ctx.addIssue({ code: 'custom', path: ['publicJwk'], message: 'must not hold the private key' });
  }
  if (key.privateJwk.x !== key.publicJwk.x || key.privateJwk.y !== key.publicJwk.y) {
    ctx.addIssue({ code: 'custom', path: ['publicJwk'], message: 'is not the pair of privateJwk' });
  }
  if (key.publicJwk.kid !== undefined && key.publicJwk.kid !== key.kid) {
    ctx.addIssue({ code: 'custom', path: ['publicJwk', 'kid'], message: 'differs from the key kid' });
  }
}

/** One key as a secret version stores it: its status is the version's stage, not part of the value. */
export const storedSigningKeySchema = signingKeyFields.superRefine(checkPair);

const signingKeySchema = signingKeyFields
  .extend({ status: z.enum(['current', 'previous', 'pending']) })
  .superRefine(checkPair);

export const keySetSchema = z
  .object({ keys: z.array(signingKeySchema).min(1) })
  .superRefine(({ keys }, ctx) => {
    if (!keys.some((key) => key.status === 'current')) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'needs a key with status "current"' });
    }
    const kids = keys.map((key) => key.kid);
    if (new Set(kids).size !== kids.length) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'has duplicate kids' });
    }
  });

const issuedClaimsSchema = z.object({
  sub: z.string().min(1),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  session_id: z.string().min(1),
  org_id: z.string().min(1).nullable(),
  // Time of the password login (OIDC's `auth_time`), kept through refreshes: step-up compares it.
  auth_time: z.number().int().nonnegative(),
});

const accessClaimsSchema = issuedClaimsSchema.extend({
  // Tokens minted before the claim existed stay valid for their few minutes; without it a
  // sensitive change asks for the password.
  auth_time: z.number().int().nonnegative().optional(),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  iss: z.string(),
  aud: z.string(),
});

export type IssuedClaims = z.infer<typeof issuedClaimsSchema>;

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
  const raw = parseKeyJson(json, 'signing key set');
  const result = keySetSchema.safeParse(raw);
  if (!result.success) throw new Error(`invalid signing key set: ${z.prettifyError(result.error)}`);
  return result.data;
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
      const { sub, roles, permissions, session_id, org_id, auth_time } = issuedClaimsSchema.parse(claims);
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

const verifierJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: b64url,
  y: b64url,
  kid: z.string().min(1),
  alg: z.literal(ALG).optional(),
  use: z.literal('sig').optional(),
});

function importPublicKeys(keySet: KeySet | { keys: JWK[] }): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const entries: readonly (SigningKey | JWK)[] = keySet.keys;
  entries.forEach((entry, index) => {
    const jwk = 'publicJwk' in entry ? { ...entry.publicJwk, kid: entry.kid } : entry;
    const result = verifierJwkSchema.safeParse(jwk);
    if (!result.success) {
      throw new Error(
        `verification key ${index} is not an ES256 public key: ${z.prettifyError(result.error)}`,
      );
    }
    const { kty, crv, x, y, kid } = result.data;
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
    const result = accessClaimsSchema.safeParse(payload);
    if (!result.success) throw new TokenError('claims');
    // Cached claims are handed to every caller of the same token: frozen, so none can alter them.
    Object.freeze(result.data.roles);
    Object.freeze(result.data.permissions);
    return Object.freeze(result.data);
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
