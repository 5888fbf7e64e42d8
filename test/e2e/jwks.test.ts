import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLocalJWKSet, importJWK, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import { readKeySet, replaceKeySet } from '#functions/auth/store/signing-keys.ts';
import { responseCache } from '#shared/cache/response-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { call } from '../support/stack.ts';

const SECRET_ARN = boundResource('signingKeysSecret');
const invalidateTags = (tags: readonly string[]) => responseCache.invalidateTags(tags);

async function servedJwks(): Promise<JSONWebKeySet> {
  const res = await call('/.well-known/jwks.json');
  assert.equal(res.status, 200, res.text);
  return res.json as unknown as JSONWebKeySet;
}

describe('JWKS on the deployed API follows the signing key set', () => {
  const original = readKeySet(SECRET_ARN);
  after(async () => replaceKeySet(SECRET_ARN, await original, invalidateTags));

  it('a token signed with a key added to the set verifies against the very next JWKS response', async () => {
    // Warm every cache level with the current set: this is the copy that must not be served again.
    const before = await servedJwks();
    await servedJwks();
    const added = await generateSigningKey(new Date(), 'pending');
    const token = await new SignJWT({ probe: true })
      .setProtectedHeader({ alg: 'ES256', kid: added.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(added.privateJwk, 'ES256'));
    await assert.rejects(jwtVerify(token, createLocalJWKSet(before)), /no applicable key/i);

    await replaceKeySet(SECRET_ARN, { keys: [...(await original).keys, added] }, invalidateTags);
    const next = await servedJwks();

    const { payload } = await jwtVerify(token, createLocalJWKSet(next));
    assert.equal(payload.probe, true);
    assert.deepEqual(
      next.keys.map((key) => key.kid).sort(),
      [...before.keys.map((key) => key.kid), added.kid].sort(),
    );
  });

  it('a key removed from the set is gone from the very next JWKS response', async () => {
    await servedJwks();

    await replaceKeySet(SECRET_ARN, await original, invalidateTags);
    const next = await servedJwks();

    assert.deepEqual(
      next.keys.map((key) => key.kid).sort(),
      (await original).keys.map((key) => key.kid).sort(),
    );
  });
});
