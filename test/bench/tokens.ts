/**
 * Access-token verification per call: the authorizer's `createTokenVerifier` (one synchronous
 * `crypto.verify` on a miss, a Map lookup on a hit) against jose's `jwtVerify` with
 * `createLocalJWKSet`. Cold = the first verify of each distinct token; warm = a token seen before.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  jwksOf,
  type KeySet,
} from '#functions/auth/domain/jwt.ts';
import { type Percentiles, percentiles, RUN_ID, TOKEN_AUDIENCE, TOKEN_ISSUER, timeEach } from './support.ts';

export interface TokenResult {
  readonly tokens: number;
  readonly warmIterations: number;
  /** Microseconds per verify. */
  readonly verifier: { readonly cold: Percentiles; readonly warm: Percentiles };
  readonly jose: { readonly cold: Percentiles; readonly warm: Percentiles };
}

export async function benchKeySet(): Promise<KeySet> {
  return { keys: [await generateSigningKey(new Date())] };
}

export async function issueTokens(
  keySet: KeySet,
  count: number,
  prefix = `bench-${RUN_ID}`,
): Promise<string[]> {
  const issuer = createTokenIssuer({
    keySet,
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    ttlSeconds: 900,
  });
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await issuer.issue({
      sub: `${prefix}-${i}`,
      roles: ['member'],
      permissions: ['profile:read', 'keys:own'],
      session_id: `sess-${i}`,
      org_id: null,
      auth_time: Math.floor(Date.now() / 1000),
    });
    tokens.push(token);
  }
  return tokens;
}

export async function tokenVerification(options: {
  readonly tokens: number;
  readonly warmIterations: number;
}): Promise<TokenResult> {
  const keySet = await benchKeySet();
  // The first batch only warms both code paths up (JIT, key import); it is not measured.
  const [warmupTokens, tokens] = [
    await issueTokens(keySet, 200, 'warmup'),
    await issueTokens(keySet, options.tokens),
  ];
  const verifier = createTokenVerifier({ keySet, issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE });
  const jwks = createLocalJWKSet(jwksOf(keySet));
  const joseVerify = (token: string) =>
    jwtVerify(token, jwks, {
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['ES256'],
      typ: 'JWT',
    });
  for (const token of warmupTokens) {
    await verifier.verify(token);
    await joseVerify(token);
  }

  const at = (i: number): string => tokens[i % tokens.length] as string;
  const verifierCold = await timeEach(tokens.length, (i) => verifier.verify(at(i)));
  const joseCold = await timeEach(tokens.length, (i) => joseVerify(at(i)));
  // Warm: every token has been verified once; cycling through them keeps the cache realistic.
  const verifierWarm = await timeEach(options.warmIterations, (i) => verifier.verify(at(i)));
  const joseWarm = await timeEach(Math.min(options.warmIterations, tokens.length * 2), (i) =>
    joseVerify(at(i)),
  );
  return {
    tokens: tokens.length,
    warmIterations: options.warmIterations,
    verifier: { cold: percentiles(verifierCold), warm: percentiles(verifierWarm) },
    jose: { cold: percentiles(joseCold), warm: percentiles(joseWarm) },
  };
}
