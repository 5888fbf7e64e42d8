import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { bearer, json, localAdmin, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

// The keyrings of warm containers follow the `signing-keys` tag within 1 s plus at most 1 s since
// their last read of the secret (docs/decisions/0004-identity.md): past this, every container agrees.
const KEYRING_BOUND_MS = 2_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminToken(): Promise<string> {
  return (await loginAs(localAdmin().email, localAdmin().password)).accessToken;
}

async function rotate(admin: string): Promise<{ kid: string }> {
  const res = await call('/v1/admin/signing-keys/rotate', json({}, bearer(admin)));
  // The local target calls no rotation function: Nimbus runs the four steps and answers 200.
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json?.outcome, 'rotated');
  return { kid: String(res.json?.kid) };
}

async function servedJwks(): Promise<JSONWebKeySet> {
  const res = await call('/.well-known/jwks.json');
  assert.equal(res.status, 200, res.text);
  return res.json as unknown as JSONWebKeySet;
}

// The issuer and audience of the local stage (lib/config/stages.ts).
const VERIFY = { issuer: 'https://nimbus.dev/local', audience: 'nimbus-api' } as const;

describe('signing-key rotation on the deployed API', () => {
  it('a token issued before a rotation verifies after it, and fails once a second rotation removed its key', async () => {
    const admin = await adminToken();
    const user = await registerUser('rotation-old-token');
    const { accessToken } = await loginAs(user.email);
    const oldKid = decodeProtectedHeader(accessToken).kid;

    const { kid: first } = await rotate(admin);
    await sleep(KEYRING_BOUND_MS);
    const afterOne = await call('/v1/me', { headers: bearer(accessToken) });
    const jwksOne = await servedJwks();

    assert.notEqual(first, oldKid);
    assert.equal(afterOne.status, 200, afterOne.text);
    await jwtVerify(accessToken, createLocalJWKSet(jwksOne), VERIFY);

    await rotate(admin);
    await sleep(KEYRING_BOUND_MS);
    const afterTwo = await call('/v1/me', { headers: bearer(accessToken) });
    const jwksTwo = await servedJwks();

    assert.equal(afterTwo.status, 401, afterTwo.text);
    await assert.rejects(jwtVerify(accessToken, createLocalJWKSet(jwksTwo), VERIFY), /no applicable key/i);
  });

  it('refuses no request across a rotation: a steady stream of old and new tokens sees zero failures', async () => {
    const admin = await adminToken();
    const user = await registerUser('rotation-stream');
    const tokens = [(await loginAs(user.email)).accessToken];
    const failures: string[] = [];
    let sent = 0;
    let streaming = true;

    // GET /v1/me every ~50 ms with every token held so far, until the rotation has settled.
    const stream = (async () => {
      while (streaming) {
        const answers = await Promise.all(tokens.map((token) => call('/v1/me', { headers: bearer(token) })));
        sent += answers.length;
        for (const res of answers) if (res.status !== 200) failures.push(`${res.status} ${res.text}`);
        await sleep(50);
      }
    })();
    await sleep(1_000);
    const { kid } = await rotate(admin);
    // Tokens issued from now on join the stream at once; the first one the new key signed is used
    // at once too, by authorizer containers that may not have seen the change yet (they re-read
    // the set for its unknown kid). Logins before the login container saw it still sign with the
    // old key, which verifies as AWSPREVIOUS.
    let fresh = '';
    for (const deadline = Date.now() + 2 * KEYRING_BOUND_MS; ; await sleep(100)) {
      fresh = (await loginAs(user.email)).accessToken;
      tokens.push(fresh);
      if (decodeProtectedHeader(fresh).kid === kid || Date.now() > deadline) break;
    }
    await sleep(KEYRING_BOUND_MS + 1_000);
    streaming = false;
    await stream;

    assert.equal(decodeProtectedHeader(fresh).kid, kid);
    assert.ok(sent > 40, `the stream ran (${sent} requests)`);
    assert.deepEqual(failures, []);
  });

  it('status lists the kids with their stage and age, and who rotates next', async () => {
    const admin = await adminToken();
    const { kid } = await rotate(admin);

    const res = await call('/v1/admin/signing-keys/status', { headers: bearer(admin) });

    assert.equal(res.status, 200, res.text);
    const body = res.json as {
      keys: { kid: string; stage: string; ageSeconds: number }[];
      rotation: { rotatedBy: string; nextRotationAt: string | null; pendingVersionId: string | null };
    };
    assert.deepEqual(
      body.keys.filter((key) => key.stage === 'AWSCURRENT').map((key) => key.kid),
      [kid],
    );
    assert.ok(body.keys.some((key) => key.stage === 'AWSPREVIOUS'));
    assert.equal(body.rotation.rotatedBy, 'nimbus');
    assert.equal(body.rotation.pendingVersionId, null);
    assert.ok(body.rotation.nextRotationAt);
  });

  it('the rotations are in the audit trail under signing-keys', async () => {
    // The previous test rotated a moment ago: a login now may still be signed by a container's key
    // set from before it, which this rotation retires (rotations are days apart outside this suite).
    await sleep(KEYRING_BOUND_MS);
    await rotate(await adminToken());
    await sleep(KEYRING_BOUND_MS);
    const admin = await adminToken();

    const res = await call('/v1/audit?subject=signing-keys', { headers: bearer(admin) });

    assert.equal(res.status, 200, res.text);
    const types = ((res.json?.items ?? []) as { type: string }[]).map((event) => event.type);
    assert.ok(types.includes('signing-keys.rotated'), types.join(', '));
    assert.ok(types.includes('signing-keys.pending-created'), types.join(', '));
  });
});
