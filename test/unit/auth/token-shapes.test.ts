import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  type AccessClaims,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  type IssuedClaims,
  type KeySet,
  parseKeySet,
  type SigningKey,
  TokenError,
} from '#functions/auth/domain/jwt.ts';
import { parseStoredKey } from '#functions/auth/domain/signing-key-versions.ts';

/**
 * Every malformed shape the hand-written checks of jwt.ts refuse (claims, key sets, stored keys,
 * verification keys), and what they keep or drop of a well-formed one.
 */

const ISSUER = 'https://auth.nimbus.test';
const AUDIENCE = 'nimbus-api';
const NOW = Date.UTC(2025, 0, 1, 12) / 1000;
const clock = () => NOW * 1000;

const CLAIMS: IssuedClaims = {
  sub: 'user-1',
  roles: ['developer'],
  permissions: ['deployments:read'],
  session_id: 'sess-1',
  org_id: 'org-1',
  auth_time: NOW - 60,
};

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Signs a header and a payload given as raw JSON text, so any shape (`1e400`, `__proto__`) reaches the verifier. */
function forgeRaw(payloadJson: string, key: SigningKey): string {
  const input = `${b64(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'JWT' }))}.${b64(payloadJson)}`;
  const { kty, crv, x, y, d } = key.privateJwk;
  const privateKey = createPrivateKey({ key: { kty, crv, x, y, d }, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A well-formed payload's JSON with `overrides` (undefined deletes the claim). */
function payloadJson(overrides: Record<string, unknown> = {}): string {
  const claims: Record<string, unknown> = {
    ...CLAIMS,
    iat: NOW,
    exp: NOW + 900,
    iss: ISSUER,
    aud: AUDIENCE,
    ...overrides,
  };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete claims[name];
  return JSON.stringify(claims);
}

async function refused(promise: Promise<AccessClaims>, reason: TokenError['reason']): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected a TokenError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('access token claims, checked by hand', () => {
  let key: SigningKey;
  const verifier = () =>
    createTokenVerifier({ keySet: { keys: [key] }, issuer: ISSUER, audience: AUDIENCE, now: clock });
  const verifyJson = (json: string) => verifier().verify(forgeRaw(json, key));

  before(async () => {
    key = await generateSigningKey(new Date(NOW * 1000));
  });

  it('refuses each claim of the wrong type, missing, empty or out of range', async () => {
    const bad: Record<string, unknown>[] = [
      { sub: undefined },
      { sub: '' },
      { sub: 5 },
      { sub: ['user-1'] },
      { sub: null },
      { roles: undefined },
      { roles: 'developer' },
      { roles: [1] },
      { roles: ['developer', null] },
      { roles: { 0: 'developer' } },
      { roles: null },
      { permissions: undefined },
      { permissions: 'deployments:read' },
      { permissions: [['deployments:read']] },
      { session_id: undefined },
      { session_id: '' },
      { session_id: 7 },
      { org_id: undefined },
      { org_id: '' },
      { org_id: 5 },
      { org_id: ['org-1'] },
      { auth_time: -1 },
      { auth_time: 1.5 },
      { auth_time: String(NOW) },
      { auth_time: null },
      { auth_time: [NOW] },
      { auth_time: 2 ** 53 },
      { iat: -1 },
      { iat: NOW - 0.5 },
      { exp: NOW + 900.5 },
      { exp: 2 ** 53 },
    ];
    for (const overrides of bad) {
      await refused(verifyJson(payloadJson(overrides)), 'claims');
    }
  });

  it('refuses non-finite numbers, which JSON can spell as 1e400', async () => {
    const base = payloadJson();
    await refused(verifyJson(base.replace(`"exp":${NOW + 900}`, '"exp":1e400')), 'claims');
    await refused(verifyJson(base.replace(`"iat":${NOW}`, '"iat":-1e400')), 'claims');
    await refused(verifyJson(base.replace(`"auth_time":${NOW - 60}`, '"auth_time":1e400')), 'claims');
    await refused(verifyJson(base.replace(`"iat":${NOW}`, '"iat":1e400')), 'not-before');
  });

  it('accepts a null org_id and a token without auth_time, which then has no such claim', async () => {
    assert.equal((await verifyJson(payloadJson({ org_id: null }))).org_id, null);

    const claims = await verifyJson(payloadJson({ auth_time: undefined }));

    assert.ok(!Object.hasOwn(claims, 'auth_time'));
  });

  it('drops claims it does not know, and keeps the ones it does in a frozen plain object', async () => {
    const claims = await verifyJson(payloadJson({ nbf: NOW - 1, jti: 'x', admin: true, roles: ['a', 'b'] }));

    assert.deepEqual(Object.keys(claims), [
      'sub',
      'roles',
      'permissions',
      'session_id',
      'org_id',
      'auth_time',
      'iat',
      'exp',
      'iss',
      'aud',
    ]);
    assert.deepEqual(claims.roles, ['a', 'b']);
    assert.equal(Object.getPrototypeOf(claims), Object.prototype);
    assert.ok(
      Object.isFrozen(claims) && Object.isFrozen(claims.roles) && Object.isFrozen(claims.permissions),
    );
  });

  it('reads a "__proto__" claim as data: it neither supplies claims nor reaches the result', async () => {
    const withProto = payloadJson().replace(/^\{/, '{"__proto__":{"admin":true,"roles":["admin"]},');
    const claims = await verifyJson(withProto);
    assert.equal(Object.getPrototypeOf(claims), Object.prototype);
    assert.deepEqual(claims.roles, CLAIMS.roles);
    assert.equal((claims as unknown as Record<string, unknown>).admin, undefined);

    const onlyInProto = payloadJson({ roles: undefined }).replace(/^\{/, '{"__proto__":{"roles":["admin"]},');
    await refused(verifyJson(onlyInProto), 'claims');
  });

  it('does not take a claim from a polluted Object.prototype', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.permissions = ['keys:admin'];
    try {
      await refused(verifyJson(payloadJson({ permissions: undefined })), 'claims');
    } finally {
      delete proto.permissions;
    }
  });

  it('refuses to issue claims of the wrong shape', async () => {
    const issuer = createTokenIssuer({
      keySet: { keys: [key] },
      issuer: ISSUER,
      audience: AUDIENCE,
      ttlSeconds: 900,
      now: clock,
    });
    const bad: Record<string, unknown>[] = [
      { auth_time: undefined },
      { auth_time: 1.5 },
      { auth_time: -1 },
      { auth_time: Number.POSITIVE_INFINITY },
      { auth_time: Number.NaN },
      { roles: 'developer' },
      { permissions: [1] },
      { org_id: '' },
      { session_id: '' },
    ];
    for (const overrides of bad) {
      const claims = { ...CLAIMS, ...overrides } as IssuedClaims;
      await assert.rejects(issuer.issue(claims), /invalid claims/);
    }
  });
});

describe('key sets, checked by hand', () => {
  let current: SigningKey;
  let pending: SigningKey;

  before(async () => {
    current = await generateSigningKey(new Date(NOW * 1000));
    pending = await generateSigningKey(new Date(NOW * 1000), 'pending');
  });

  /** The set `{ keys: [current with overrides, pending] }` as JSON. */
  function setWith(overrides: Record<string, unknown>): string {
    return JSON.stringify({ keys: [{ ...current, ...overrides }, pending] });
  }

  function refusedSet(json: string, pattern: RegExp = /^invalid signing key set: /): void {
    assert.throws(
      () => parseKeySet(json),
      (error: Error) => {
        assert.match(error.message, pattern);
        for (const key of [current, pending]) assert.ok(!error.message.includes(String(key.privateJwk.d)));
        return true;
      },
    );
  }

  it('refuses a set that is not an object holding an array of keys', () => {
    for (const json of ['null', '[]', '"keys"', '7', '{}', '{"keys":null}', '{"keys":{}}', '{"keys":"x"}']) {
      refusedSet(json);
    }
  });

  it('refuses an empty set, in the words zod used', () => {
    refusedSet(
      '{"keys":[]}',
      /^invalid signing key set: ✖ Too small: expected array to have >=1 items\n {2}→ at keys/,
    );
  });

  it('refuses a key whose fields are missing, of the wrong type or malformed', () => {
    const bad: Record<string, unknown>[] = [
      { kid: undefined },
      { kid: 'short' },
      { kid: 'a'.repeat(65) },
      { kid: 'has spaces in it' },
      { kid: 12345678 },
      { alg: 'RS256' },
      { alg: undefined },
      { status: 'revoked' },
      { status: undefined },
      { createdAt: '2025-01-01T00:00:00+01:00' },
      { createdAt: '2025-01-01T00:00Z' },
      { createdAt: '2025-02-30T00:00:00Z' },
      { createdAt: '2025-01-01' },
      { createdAt: NOW },
      { privateJwk: undefined },
      { privateJwk: [] },
      { privateJwk: { ...current.privateJwk, d: undefined } },
      { privateJwk: { ...current.privateJwk, d: 'not base64url=' } },
      { publicJwk: undefined },
      { publicJwk: 'jwk' },
      { publicJwk: { ...current.publicJwk, kty: 'RSA' } },
      { publicJwk: { ...current.publicJwk, crv: 'P-384' } },
      { publicJwk: { ...current.publicJwk, x: `${current.publicJwk.x}=` } },
      { publicJwk: { ...current.publicJwk, y: 7 } },
    ];
    for (const overrides of bad) refusedSet(setWith(overrides));
    refusedSet(JSON.stringify({ keys: [null, current] }));
    refusedSet(JSON.stringify({ keys: [[current]] }));
  });

  it('refuses a public key that is not the pair of the private one, or names another kid', async () => {
    const other = await generateSigningKey(new Date(NOW * 1000));
    refusedSet(setWith({ publicJwk: other.publicJwk }), /is not the pair of privateJwk/);
    refusedSet(
      setWith({ publicJwk: { ...current.publicJwk, kid: pending.kid } }),
      /differs from the key kid/,
    );
  });

  it('refuses duplicate kids', () => {
    refusedSet(JSON.stringify({ keys: [current, { ...current, status: 'previous' }] }), /has duplicate kids/);
  });

  it('drops fields a key does not have, keeps a JWK fields beyond its own, and drops "__proto__"', () => {
    const json = JSON.stringify({
      extra: 1,
      keys: [{ ...current, note: 'x', publicJwk: { ...current.publicJwk, ext: true } }],
    }).replace('"publicJwk":{', '"publicJwk":{"__proto__":{"d":"stolen"},');

    const parsed = parseKeySet(json);

    assert.deepEqual(Object.keys(parsed), ['keys']);
    const [key] = parsed.keys;
    assert.deepEqual(Object.keys(key ?? {}), [
      'kid',
      'alg',
      'privateJwk',
      'publicJwk',
      'createdAt',
      'status',
    ]);
    assert.equal(key?.publicJwk.ext, true);
    assert.equal(key?.publicJwk.use, 'sig');
    assert.equal(Object.getPrototypeOf(key?.publicJwk), Object.prototype);
    assert.ok(!('d' in (key?.publicJwk ?? {})));
  });
});

describe('a stored signing key, checked by hand', () => {
  it('drops a status the value carries (the version stage says it) and refuses a malformed key', async () => {
    const key = await generateSigningKey(new Date(NOW * 1000));
    const { status: _status, ...stored } = key;

    assert.deepEqual(parseStoredKey(JSON.stringify(key)), stored);
    for (const bad of [{ ...stored, kid: 'x' }, { ...stored, createdAt: 'yesterday' }, [stored], null]) {
      assert.throws(() => parseStoredKey(JSON.stringify(bad)), /^Error: invalid signing key: /);
    }
    assert.throws(
      () => parseStoredKey(JSON.stringify({ keys: [stored] })),
      /^Error: invalid signing key set: /,
    );
  });
});

describe('verification keys, checked by hand', () => {
  let jwk: Record<string, unknown>;

  before(async () => {
    const key = await generateSigningKey(new Date(NOW * 1000));
    jwk = { ...key.publicJwk };
  });

  const build = (keys: unknown[]) =>
    createTokenVerifier({ keySet: { keys } as KeySet, issuer: ISSUER, audience: AUDIENCE });

  it('refuses a JWK that is not an ES256 public key with a kid', () => {
    const bad: Record<string, unknown>[] = [
      { kid: undefined },
      { kid: '' },
      { kid: 5 },
      { kty: 'RSA' },
      { crv: 'P-521' },
      { x: undefined },
      { y: 'a+b' },
      { alg: 'ES384' },
      { alg: null },
      { use: 'enc' },
    ];
    for (const overrides of bad) {
      assert.throws(
        () => build([{ ...jwk, ...overrides }]),
        /^Error: verification key 0 is not an ES256 public key: /,
      );
    }
  });

  it('accepts one without alg and use, and with fields of its own', () => {
    const { alg: _alg, use: _use, ...bare } = jwk;

    assert.doesNotThrow(() => build([{ ...bare, key_ops: ['verify'] }]));
  });
});
