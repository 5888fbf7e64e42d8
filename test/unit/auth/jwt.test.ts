import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  type AccessClaims,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  jwksOf,
  type KeySet,
  parseKeySet,
  type SigningKey,
  TokenError,
} from '#functions/auth/domain/jwt.ts';

const ISSUER = 'https://auth.nimbus.test';
const AUDIENCE = 'nimbus-api';
const NOW = Date.UTC(2025, 0, 1, 12) / 1000;
const clock = (seconds: number) => () => seconds * 1000;

const CLAIMS = {
  sub: 'user-1',
  roles: ['developer'],
  permissions: ['deployments:read', 'profile:read'],
  session_id: 'sess-1',
  org_id: 'org-1',
  auth_time: NOW - 60,
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs any header and payload as ES256 with a key of our choosing: the attacker's toolkit. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, key: SigningKey): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const { kty, crv, x, y, d } = key.privateJwk;
  const privateKey = createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...CLAIMS, iat: NOW, exp: NOW + 900, iss: ISSUER, aud: AUDIENCE, ...overrides };
}

async function rejects(promise: Promise<AccessClaims>, reason: TokenError['reason']): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected a TokenError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('access tokens', () => {
  let keySet: KeySet;
  let current: SigningKey;
  let other: SigningKey;

  before(async () => {
    const at = new Date(NOW * 1000);
    current = await generateSigningKey(at);
    keySet = {
      keys: [await generateSigningKey(at, 'previous'), current, await generateSigningKey(at, 'pending')],
    };
    other = await generateSigningKey(at);
  });

  const issuer = (overrides: { issuer?: string; audience?: string; at?: number; ttl?: number } = {}) =>
    createTokenIssuer({
      keySet,
      issuer: overrides.issuer ?? ISSUER,
      audience: overrides.audience ?? AUDIENCE,
      ttlSeconds: overrides.ttl ?? 900,
      now: clock(overrides.at ?? NOW),
    });
  const verifier = (at = NOW) =>
    createTokenVerifier({ keySet, issuer: ISSUER, audience: AUDIENCE, now: clock(at) });

  describe('happy path', () => {
    it('issues with the current key and verifies back to the same claims', async () => {
      const issued = await issuer().issue(CLAIMS);

      assert.equal(issued.kid, current.kid);
      assert.equal(issued.expiresIn, 900);
      const header = JSON.parse(Buffer.from(issued.token.split('.')[0]!, 'base64url').toString());
      assert.deepEqual(header, { alg: 'ES256', kid: current.kid, typ: 'JWT' });

      const claims = await verifier().verify(issued.token);
      assert.deepEqual({ ...claims }, { ...CLAIMS, iat: NOW, exp: NOW + 900, iss: ISSUER, aud: AUDIENCE });
    });

    it('accepts tokens signed by the previous and pending keys', async () => {
      for (const key of keySet.keys) {
        const token = forge({ alg: 'ES256', kid: key.kid, typ: 'JWT' }, payload(), key);
        assert.equal((await verifier().verify(token)).sub, CLAIMS.sub);
      }
    });

    it('works with a verifier built from the published JWKS alone', async () => {
      const { token } = await issuer().issue(CLAIMS);
      const fromJwks = createTokenVerifier({
        keySet: jwksOf(keySet),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: clock(NOW),
      });

      assert.equal((await fromJwks.verify(token)).session_id, CLAIMS.session_id);
    });

    it('refuses to issue claims a verifier would reject', async () => {
      await assert.rejects(issuer().issue({ ...CLAIMS, sub: '' }));
    });
  });

  describe('attacks', () => {
    it('rejects alg "none"', async () => {
      const token = `${b64({ alg: 'none', kid: current.kid, typ: 'JWT' })}.${b64(payload())}.`;

      await rejects(verifier().verify(token), 'alg');
    });

    it('rejects HS256 signed with the public key as the HMAC secret', async () => {
      const input = `${b64({ alg: 'HS256', kid: current.kid, typ: 'JWT' })}.${b64(payload())}`;
      const secrets = [JSON.stringify(current.publicJwk), `${current.publicJwk.x}${current.publicJwk.y}`];
      for (const secret of secrets) {
        const mac = createHmac('sha256', secret).update(input).digest('base64url');
        await rejects(verifier().verify(`${input}.${mac}`), 'alg');
      }
    });

    it('rejects RS256 and other algorithms', async () => {
      for (const alg of ['RS256', 'ES384', 'PS256', 'EdDSA', 'es256']) {
        const token = `${b64({ alg, kid: current.kid, typ: 'JWT' })}.${b64(payload())}.AAAA`;
        await rejects(verifier().verify(token), 'alg');
      }
    });

    it('rejects an expired token', async () => {
      const { token } = await issuer({ at: NOW - 901 }).issue(CLAIMS);

      await rejects(verifier().verify(token), 'expired');
    });

    it('rejects a token that is not valid yet (nbf in the future)', async () => {
      const token = forge(
        { alg: 'ES256', kid: current.kid, typ: 'JWT' },
        payload({ nbf: NOW + 60 }),
        current,
      );

      await rejects(verifier().verify(token), 'not-before');
    });

    it('rejects a token issued in the future', async () => {
      const { token } = await issuer({ at: NOW + 60 }).issue(CLAIMS);

      await rejects(verifier().verify(token), 'not-before');
    });

    it('honours the clock tolerance', async () => {
      const { token } = await issuer({ at: NOW - 905 }).issue(CLAIMS);
      const tolerant = createTokenVerifier({
        keySet,
        issuer: ISSUER,
        audience: AUDIENCE,
        clockToleranceSeconds: 10,
        now: clock(NOW),
      });

      assert.equal((await tolerant.verify(token)).sub, CLAIMS.sub);
    });

    it('rejects a wrong issuer', async () => {
      const { token } = await issuer({ issuer: 'https://evil.test' }).issue(CLAIMS);

      await rejects(verifier().verify(token), 'issuer');
    });

    it('rejects a wrong audience, including an audience array', async () => {
      const { token } = await issuer({ audience: 'another-api' }).issue(CLAIMS);
      await rejects(verifier().verify(token), 'audience');

      const array = forge(
        { alg: 'ES256', kid: current.kid, typ: 'JWT' },
        payload({ aud: [AUDIENCE] }),
        current,
      );
      await rejects(verifier().verify(array), 'audience');
    });

    it('rejects an unknown kid, and a missing one', async () => {
      const unknown = forge({ alg: 'ES256', kid: other.kid, typ: 'JWT' }, payload(), other);
      await rejects(verifier().verify(unknown), 'kid');

      const missing = forge({ alg: 'ES256', typ: 'JWT' }, payload(), current);
      await rejects(verifier().verify(missing), 'kid');
    });

    it('rejects a tampered payload that keeps the original signature', async () => {
      const { token } = await issuer().issue(CLAIMS);
      const [header, , signature] = token.split('.');
      const tampered = `${header}.${b64(payload({ roles: ['admin'], permissions: ['*'] }))}.${signature}`;

      await rejects(verifier().verify(tampered), 'signature');
    });

    it('rejects a token signed by another key under a known kid', async () => {
      const token = forge({ alg: 'ES256', kid: current.kid, typ: 'JWT' }, payload(), other);

      await rejects(verifier().verify(token), 'signature');
    });

    it('rejects claims of the wrong shape even when properly signed', async () => {
      const bad = [
        payload({ roles: 'admin' }),
        payload({ session_id: 7 }),
        payload({ exp: '9999999999' }),
        payload({ sub: '' }),
      ];
      for (const claims of bad) {
        const token = forge({ alg: 'ES256', kid: current.kid, typ: 'JWT' }, claims, current);
        await rejects(verifier().verify(token), 'claims');
      }
    });

    it('rejects malformed tokens, critical extensions and other token types', async () => {
      const header = { alg: 'ES256', kid: current.kid, typ: 'JWT' };
      const cases = [
        '',
        'a.b',
        'a.b.c.d',
        '!!!.e30.AAAA',
        `${b64('string')}.${b64(payload())}.AAAA`,
        forge({ ...header, crit: ['exp'] }, payload(), current),
        forge({ ...header, typ: 'at+jwt' }, payload(), current),
        `${b64(header)}.${b64(payload())}.${'A'.repeat(9000)}`,
      ];
      for (const token of cases) await rejects(verifier().verify(token), 'malformed');
    });
  });

  describe('cache', () => {
    it('answers a repeated token from the cache with the same frozen claims', async () => {
      const { token } = await issuer().issue(CLAIMS);
      const v = verifier();

      const first = await v.verify(token);
      const second = await v.verify(token);

      assert.equal(second, first);
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.roles));
    });

    it('rejects and evicts a cached token once it expires', async () => {
      let now = NOW;
      const { token } = await issuer({ ttl: 60 }).issue(CLAIMS);
      const v = createTokenVerifier({ keySet, issuer: ISSUER, audience: AUDIENCE, now: () => now * 1000 });
      await v.verify(token);

      now = NOW + 60;
      await rejects(v.verify(token), 'expired');
      await rejects(v.verify(token), 'expired');
    });

    it('evicts the least recently used token when full', async () => {
      const v = createTokenVerifier({
        keySet,
        issuer: ISSUER,
        audience: AUDIENCE,
        cacheSize: 2,
        now: clock(NOW),
      });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => issuer().issue({ ...CLAIMS, sub })));
      const claimsA = await v.verify(a!.token);
      const claimsB = await v.verify(b!.token);

      assert.equal(await v.verify(a!.token), claimsA, 'a is now the most recently used');
      await v.verify(c!.token);

      assert.equal(await v.verify(a!.token), claimsA);
      assert.notEqual(await v.verify(b!.token), claimsB, 'b was evicted and verified again');
    });
  });
});

describe('key sets', () => {
  it('publishes every public key with kid, alg and use, and never a private part', async () => {
    const at = new Date();
    const keySet: KeySet = {
      keys: [
        await generateSigningKey(at),
        await generateSigningKey(at, 'previous'),
        await generateSigningKey(at, 'pending'),
      ],
    };

    const jwks = jwksOf(keySet);

    assert.deepEqual(
      jwks.keys.map((key) => key.kid),
      keySet.keys.map((key) => key.kid),
    );
    for (const key of jwks.keys) {
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal(key.alg, 'ES256');
      assert.equal(key.use, 'sig');
      assert.ok(!('d' in key));
    }
    assert.ok(!JSON.stringify(jwks).includes('"d"'));
  });

  it('makes keys whose JWKs carry kid, alg and use and a url-safe 16-character kid', async () => {
    const key = await generateSigningKey(new Date('2025-01-01T00:00:00Z'), 'pending');

    assert.match(key.kid, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(key.status, 'pending');
    assert.equal(key.createdAt, '2025-01-01T00:00:00.000Z');
    for (const jwk of [key.privateJwk, key.publicJwk]) {
      assert.equal(jwk.kid, key.kid);
      assert.equal(jwk.alg, 'ES256');
      assert.equal(jwk.use, 'sig');
    }
    assert.equal(typeof key.privateJwk.d, 'string');
    assert.equal(key.publicJwk.d, undefined);
  });

  it('parses a stored key set', async () => {
    const keySet: KeySet = { keys: [await generateSigningKey(new Date())] };

    assert.deepEqual(parseKeySet(JSON.stringify(keySet)), keySet);
  });

  it('refuses a key set without a current key', async () => {
    const keySet: KeySet = { keys: [await generateSigningKey(new Date(), 'previous')] };

    assert.throws(() => parseKeySet(JSON.stringify(keySet)), /current/);
  });

  it('refuses a public JWK that holds the private key', async () => {
    const key = await generateSigningKey(new Date());
    const keySet = { keys: [{ ...key, publicJwk: key.privateJwk }] };

    assert.throws(() => parseKeySet(JSON.stringify(keySet)), /private key/);
  });

  it('refuses invalid JSON without echoing it', async () => {
    const key = await generateSigningKey(new Date());
    const broken = JSON.stringify({ keys: [key] }).slice(0, -3);

    assert.throws(
      () => parseKeySet(broken),
      (error: Error) =>
        !error.message.includes(String(key.privateJwk.d)) && /not valid JSON/.test(error.message),
    );
  });
});
