import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import { parseStoredKey, serializeStoredKey } from '#functions/auth/domain/signing-key-versions.ts';
import { readKeySet, secretsManagerSigningKeySecret } from '#functions/auth/store/signing-keys.ts';
import { ensureKeySet } from '#functions/auth/use-cases/key-set-init.ts';
import { rotateSigningKeys } from '#functions/auth/use-cases/signing-key-rotation.ts';
import { ROTATION_STEPS, type RotationStep } from '#functions/auth/use-cases/signing-key-steps.ts';
import { secretsManager } from '#shared/clients/secrets.ts';
import { ConflictingStateError } from '#shared/domain-errors.ts';
import { type CapturedLog, holdsKeyMaterial, rotationDeps } from '../../support/signing-key-fakes.ts';

// Each test rotates a secret of its own in the emulator's Secrets Manager, never the deployed one.
const created: string[] = [];
// What every test's steps logged and audited, scanned for key material by the last test.
const scanned: { logs: CapturedLog[]; events: unknown[] }[] = [];
const CTX = { actor: 'integration', correlationId: null };
const DRIVEN = { requireRotationEnabled: false } as const;
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

after(async () => {
  for (const secretId of created) {
    await secretsManager.send(
      new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }),
    );
  }
});

/** A new secret holding the stateful stack's placeholder, given its first key by the initialiser. */
async function freshSecret() {
  const out = await secretsManager.send(
    new CreateSecretCommand({
      Name: `nimbus-it-signing-keys-${randomUUID()}`,
      SecretString: JSON.stringify({ keys: [], placeholder: randomUUID() }),
    }),
  );
  assert.ok(out.ARN);
  created.push(out.ARN);
  const secret = secretsManagerSigningKeySecret(out.ARN);
  const { kid } = await ensureKeySet(
    {
      readRaw: async () => (await secret.readStage('AWSCURRENT'))?.value ?? '',
      write: (key) => secret.putCurrent(serializeStoredKey(key)),
    },
    () => new Date(),
  );
  const { deps, recorded } = rotationDeps(secret);
  // The recorder itself: what the test's steps add later shows up in the scan.
  scanned.push(recorded);
  return { arn: out.ARN, secret, deps, recorded, firstKid: kid };
}

/** Labels by version, and every labelled version's value: what a repeated step must not change. */
async function snapshot(arn: string) {
  const { versions } = await secretsManagerSigningKeySecret(arn).describe();
  const labelled = Object.entries(versions).filter(([, stages]) => stages.length > 0);
  return Object.fromEntries(
    await Promise.all(
      labelled.map(async ([id, stages]) => {
        const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionId: id }));
        return [id, { stages: [...stages].sort(), value: out.SecretString }] as const;
      }),
    ),
  );
}

async function currentKid(
  secret: ReturnType<typeof secretsManagerSigningKeySecret>,
): Promise<string | undefined> {
  const current = await secret.readStage('AWSCURRENT');
  return current === undefined ? undefined : parseStoredKey(current.value).kid;
}

describe('signing-key rotation steps on the emulator’s Secrets Manager', () => {
  it('the initialiser writes a single key as the first AWSCURRENT version', async () => {
    const { secret, firstKid } = await freshSecret();

    const keySet = await readKeySet(secret);

    assert.deepEqual(
      keySet.keys.map((key) => [key.kid, key.status]),
      [[firstKid, 'current']],
    );
  });

  it('the four steps in order: the new key is AWSCURRENT, the old one AWSPREVIOUS, nothing pending', async () => {
    const { secret, deps, firstKid } = await freshSecret();
    const token = randomUUID();

    for (const step of STEPS) await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);

    const { versions } = await secret.describe();
    const keySet = await readKeySet(secret);
    assert.deepEqual(versions[token], ['AWSCURRENT']);
    assert.equal(Object.values(versions).flat().includes('AWSPENDING'), false);
    assert.deepEqual(keySet.keys.map((key) => key.status).sort(), ['current', 'previous']);
    assert.equal(keySet.keys.find((key) => key.status === 'previous')?.kid, firstKid);
  });

  it('each step repeated with the same token changes nothing', async () => {
    const { arn, deps } = await freshSecret();
    const token = randomUUID();

    for (const step of STEPS) {
      await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);
      const before = await snapshot(arn);

      await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);

      assert.deepEqual(await snapshot(arn), before, step);
    }
  });

  it('a failure injected in testSecret throws and leaves AWSCURRENT where it was', async () => {
    const { arn, secret, deps, recorded, firstKid } = await freshSecret();
    const token = randomUUID();
    // A pending key whose private half is not the pair of its public half: it cannot pass the probe.
    const { status: _s, ...key } = await generateSigningKey(new Date(), 'pending');
    const { privateJwk: other } = await generateSigningKey(new Date(), 'pending');
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: arn,
        ClientRequestToken: token,
        SecretString: serializeStoredKey({ ...key, privateJwk: { ...key.privateJwk, d: other.d } }),
        VersionStages: ['AWSPENDING'],
      }),
    );

    await assert.rejects(ROTATION_STEPS.testSecret(deps, token, CTX, DRIVEN), /testSecret/);

    assert.equal(await currentKid(secret), firstKid);
    assert.deepEqual(recorded.metrics, ['SigningKeyRotationTestFailures']);
    assert.ok(recorded.logs.some((log) => log.level === 'error' && log.attributes.versionId === token));
  });

  it('a rotation started while another is pending is refused clearly, and changes nothing', async () => {
    const { arn, deps } = await freshSecret();
    const pending = randomUUID();
    await ROTATION_STEPS.createSecret(deps, pending, CTX, DRIVEN);
    const before = await snapshot(arn);

    await assert.rejects(rotateSigningKeys(deps, CTX), (error: unknown) => {
      assert.ok(error instanceof ConflictingStateError);
      assert.equal(error.code, 'rotation-in-progress');
      assert.match(error.message, new RegExp(`${pending}.*AWSPENDING`));
      return true;
    });
    assert.deepEqual(await snapshot(arn), before);
  });

  it('after two rotations the oldest key is gone from the set', async () => {
    const { secret, deps, firstKid } = await freshSecret();

    const { kid: second } = await rotateSigningKeys(deps, CTX);
    const { kid: third } = await rotateSigningKeys(deps, CTX);

    const kids = (await readKeySet(secret)).keys.map((key) => key.kid);
    assert.deepEqual(kids.sort(), [second, third].sort());
    assert.equal(kids.includes(firstKid), false);
  });

  it('reads a version only under the label asked for, though the emulator answers any', async () => {
    const { secret, deps } = await freshSecret();
    const token = randomUUID();
    await ROTATION_STEPS.createSecret(deps, token, CTX, DRIVEN);

    assert.ok(await secret.readVersion(token, 'AWSPENDING'));
    assert.equal(await secret.readVersion(token, 'AWSCURRENT'), undefined);
  });

  // Last: scans what every test above logged and audited, against every key they stored.
  it('leaves no key material in anything the steps logged or audited', async () => {
    const privateDs: string[] = [];
    for (const arn of created) {
      const { versions } = await secretsManagerSigningKeySecret(arn).describe();
      for (const id of Object.keys(versions)) {
        const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionId: id }));
        const value = out.SecretString ?? '';
        if (value.includes('"d"')) privateDs.push(parseStoredKey(value).privateJwk.d ?? '');
      }
    }

    assert.ok(privateDs.length > 0 && scanned.some((r) => r.logs.length > 0));
    assert.equal(holdsKeyMaterial(scanned, privateDs), false);
  });
});
