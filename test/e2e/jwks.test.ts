import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLocalJWKSet, importJWK, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import type { SigningKeyRotationDeps } from '#functions/auth/deps.ts';
import { parseStoredKey } from '#functions/auth/domain/signing-key-versions.ts';
import { secretsManagerSigningKeySecret } from '#functions/auth/store/signing-keys.ts';
import { rotateSigningKeys } from '#functions/auth/use-cases/signing-key-rotation.ts';
import { ROTATION_STEPS } from '#functions/auth/use-cases/signing-key-steps.ts';
import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { responseCache } from '#shared/cache/response-cache.ts';
import { boundResource } from '#shared/config/bindings.ts';
import { call } from '../support/stack.ts';

const secret = secretsManagerSigningKeySecret(boundResource('signingKeysSecret'));
// The rotation steps as the deployed functions run them, from here: same secret, audit trail and tag.
const deps: SigningKeyRotationDeps = {
  secret,
  events: dynamoEventStore(boundResource('eventsTable')),
  invalidateTags: (tags) => responseCache.invalidateTags(tags),
  countMetric: () => undefined,
  log: { info: () => undefined, error: () => undefined },
  settings: { everyDays: 30, rotatedBy: 'nimbus' },
  now: () => new Date(),
  newToken: () => randomUUID(),
};
const CTX = { actor: 'e2e:jwks', correlationId: null };
const DRIVEN = { requireRotationEnabled: false } as const;

async function servedJwks(): Promise<JSONWebKeySet> {
  const res = await call('/.well-known/jwks.json');
  assert.equal(res.status, 200, res.text);
  return res.json as unknown as JSONWebKeySet;
}

const kidsOf = (jwks: JSONWebKeySet) => jwks.keys.map((key) => key.kid).sort();

describe('JWKS on the deployed API follows the signing-key versions', () => {
  it('publishes a pending key in the very next response, before anything signs with it', async () => {
    // Warm every cache level with the current set: this is the copy that must not be served again.
    const before = await servedJwks();
    await servedJwks();
    const token = randomUUID();

    await ROTATION_STEPS.createSecret(deps, token, CTX, DRIVEN);
    const next = await servedJwks();
    const pendingValue = await secret.readVersion(token, 'AWSPENDING');
    assert.ok(pendingValue);
    const pending = parseStoredKey(pendingValue);
    const probe = await new SignJWT({ probe: true })
      .setProtectedHeader({ alg: 'ES256', kid: pending.kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(pending.privateJwk, 'ES256'));
    await assert.rejects(jwtVerify(probe, createLocalJWKSet(before)), /no applicable key/i);
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) {
      await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);
    }

    assert.deepEqual(kidsOf(next), [...kidsOf(before), pending.kid].sort());
    assert.equal((await jwtVerify(probe, createLocalJWKSet(next))).payload.probe, true);
  });

  it('drops a key from the very next response once two rotations have passed it', async () => {
    const current = await secret.readStage('AWSCURRENT');
    assert.ok(current);
    const oldest = parseStoredKey(current.value).kid;
    await servedJwks();

    await rotateSigningKeys(deps, CTX);
    const afterOne = await servedJwks();
    await rotateSigningKeys(deps, CTX);
    const afterTwo = await servedJwks();

    assert.ok(kidsOf(afterOne).includes(oldest), 'one rotation later it is AWSPREVIOUS, still published');
    assert.equal(kidsOf(afterTwo).includes(oldest), false);
  });
});
