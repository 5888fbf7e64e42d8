import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSigningKey, jwksOf } from '#functions/auth/domain/jwt.ts';
import { parseStoredKey, serializeStoredKey } from '#functions/auth/domain/signing-key-versions.ts';
import { readKeySet } from '#functions/auth/store/signing-keys.ts';
import {
  rotateSigningKeys,
  rotateSigningKeysIfDue,
  signingKeyStatus,
  startSigningKeyRotation,
} from '#functions/auth/use-cases/signing-key-rotation.ts';
import {
  createSecret,
  finishSecret,
  ROTATION_STEPS,
  type RotationStep,
  setSecret,
  testSecret,
} from '#functions/auth/use-cases/signing-key-steps.ts';
import { ConflictingStateError } from '#shared/domain-errors.ts';
import {
  FakeSigningKeySecret,
  holdsKeyMaterial,
  rotationDeps,
  secretWithCurrentKey,
} from '../../support/signing-key-fakes.ts';

const T0 = new Date('2026-03-01T00:00:00Z');
const CTX = { actor: 'user-1', correlationId: 'corr-1' } as const;
const DRIVEN = { requireRotationEnabled: false } as const;
const STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

async function currentKid(secret: FakeSigningKeySecret): Promise<string | undefined> {
  const current = await secret.readStage('AWSCURRENT');
  return current === undefined ? undefined : parseStoredKey(current.value).kid;
}

/** A key whose public half is not the pair of its private half: it cannot verify what it signs. */
async function brokenKeyValue(): Promise<string> {
  const { status: _a, ...key } = await generateSigningKey(T0, 'pending');
  const { privateJwk: other } = await generateSigningKey(T0, 'pending');
  return serializeStoredKey({ ...key, privateJwk: { ...key.privateJwk, d: other.d } });
}

describe('signing-key rotation steps (fake secret with Secrets Manager label rules)', () => {
  it('the four steps make a new key current; the old one becomes AWSPREVIOUS and still verifies', async () => {
    const secret = await secretWithCurrentKey(T0);
    const before = await currentKid(secret);
    const { deps, recorded } = rotationDeps(secret);

    const { kid } = await rotateSigningKeys(deps, CTX);

    const keySet = await readKeySet(secret);
    assert.notEqual(kid, before);
    assert.equal(await currentKid(secret), kid);
    assert.deepEqual(
      keySet.keys.map((key) => [key.kid, key.status]).sort(),
      [
        [kid, 'current'],
        [before, 'previous'],
      ].sort(),
    );
    assert.deepEqual(
      jwksOf(keySet)
        .keys.map((key) => key.kid)
        .sort(),
      [kid, before].sort(),
    );
    assert.deepEqual(
      recorded.events.map((event) => [event.subject, event.type, event.actor]),
      [
        ['signing-keys', 'signing-keys.pending-created', 'user-1'],
        ['signing-keys', 'signing-keys.rotated', 'user-1'],
      ],
    );
    assert.deepEqual(recorded.invalidations, [['signing-keys'], ['signing-keys']]);
  });

  it('AWSCURRENT does not move before finishSecret, and the pending key is published meanwhile', async () => {
    const secret = await secretWithCurrentKey(T0);
    const before = await currentKid(secret);
    const { deps } = rotationDeps(secret);
    const token = randomUUID();

    await createSecret(deps, token, CTX, DRIVEN);
    await setSecret(deps, token, CTX, DRIVEN);
    await testSecret(deps, token, CTX, DRIVEN);

    assert.equal(await currentKid(secret), before);
    const pending = (await readKeySet(secret)).keys.find((key) => key.status === 'pending');
    assert.ok(pending, 'the pending key is in the set verifiers and the JWKS read');
    await finishSecret(deps, token, CTX, DRIVEN);
    assert.equal(await currentKid(secret), pending.kid);
  });

  it('each step repeated with the same token changes nothing', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps, recorded } = rotationDeps(secret);
    const token = randomUUID();

    for (const step of STEPS) {
      await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);
      const labels = secret.labels();
      const values = [...secret.versions.values()].map((version) => version.value);
      const changes = recorded.invalidations.length;

      await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);

      assert.deepEqual(secret.labels(), labels, step);
      assert.deepEqual(
        [...secret.versions.values()].map((version) => version.value),
        values,
        step,
      );
      assert.equal(recorded.invalidations.length, changes, `${step} repeated invalidates nothing`);
    }
    // Repeats after the finish are no-ops too (Secrets Manager may retry any step).
    for (const step of STEPS) await ROTATION_STEPS[step](deps, token, CTX, DRIVEN);
    assert.deepEqual(secret.labels()[token], ['AWSCURRENT']);
  });

  it('finishSecret repeated after the move but before AWSPENDING came off only removes the label', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret);
    const token = randomUUID();
    await createSecret(deps, token, CTX, DRIVEN);
    const current = await secret.readStage('AWSCURRENT');
    assert.ok(current);
    await secret.moveCurrent(token, current.versionId);

    await finishSecret(deps, token, CTX, DRIVEN);

    assert.deepEqual(secret.labels()[token], ['AWSCURRENT']);
  });

  it('a failing testSecret throws, logs and counts why, and leaves AWSCURRENT in force', async () => {
    const secret = await secretWithCurrentKey(T0);
    const before = secret.labels();
    const { deps, recorded } = rotationDeps(secret);
    const token = randomUUID();
    await secret.putPending(token, await brokenKeyValue());

    await assert.rejects(testSecret(deps, token, CTX, DRIVEN), /testSecret/);

    assert.deepEqual(recorded.metrics, ['SigningKeyRotationTestFailures']);
    assert.equal(recorded.logs.filter((log) => log.level === 'error').length, 1);
    assert.equal(recorded.events.at(-1)?.type, 'signing-keys.test-failed');
    const currentBefore = Object.entries(before).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    assert.deepEqual(secret.labels()[currentBefore ?? ''], ['AWSCURRENT']);
  });

  it('a rotation Nimbus drives whose test fails takes the pending key back out', async () => {
    const inner = await secretWithCurrentKey(T0);
    const before = await currentKid(inner);
    const broken = await brokenKeyValue();
    // The store corrupts what createSecret writes: the probe must catch it.
    const secret = Object.assign(Object.create(inner) as FakeSigningKeySecret, {
      putPending: (token: string) => inner.putPending(token, broken),
    });
    const { deps, recorded } = rotationDeps(secret);

    await assert.rejects(rotateSigningKeys(deps, CTX), /testSecret/);

    assert.equal(await currentKid(inner), before);
    assert.equal(Object.values(inner.labels()).flat().includes('AWSPENDING'), false);
    assert.equal(recorded.events.at(-1)?.type, 'signing-keys.rotation-cancelled');
  });

  it('a rotation started while another is pending is refused as rotation-in-progress', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret);
    const first = randomUUID();
    await createSecret(deps, first, CTX, DRIVEN);
    const labels = secret.labels();

    await assert.rejects(rotateSigningKeys(deps, CTX), (error: unknown) => {
      assert.ok(error instanceof ConflictingStateError);
      assert.equal(error.code, 'rotation-in-progress');
      assert.match(error.message, new RegExp(first));
      return true;
    });
    await assert.rejects(createSecret(deps, randomUUID(), CTX, DRIVEN), ConflictingStateError);
    assert.deepEqual(secret.labels(), labels);
  });

  it('after two rotations the oldest key is gone from the set', async () => {
    const secret = await secretWithCurrentKey(T0);
    const oldest = await currentKid(secret);
    const { deps } = rotationDeps(secret);

    const { kid: second } = await rotateSigningKeys(deps, CTX);
    const afterOne = (await readKeySet(secret)).keys.map((key) => key.kid);
    const { kid: third } = await rotateSigningKeys(deps, CTX);
    const afterTwo = (await readKeySet(secret)).keys.map((key) => key.kid);

    assert.ok(afterOne.includes(oldest ?? ''));
    assert.deepEqual(afterTwo.sort(), [second, third].sort());
  });

  it('with rotation required, refuses a secret whose rotation is not enabled, and a token that is not pending', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret);
    const required = { requireRotationEnabled: true } as const;

    await assert.rejects(createSecret(deps, randomUUID(), CTX, required), /not enabled for rotation/);
    secret.rotationEnabled = true;
    const current = await secret.readStage('AWSCURRENT');
    await assert.rejects(setSecret(deps, randomUUID(), CTX, required), /has no version/);
    const previous = randomUUID();
    await secret.putPending(previous, await brokenKeyValue());
    await secret.removePending(previous);
    await assert.rejects(testSecret(deps, previous, CTX, required), /not AWSPENDING/);
    // A token already current is a finished rotation: nothing to do.
    await finishSecret(deps, current?.versionId ?? '', CTX, required);
  });

  it('reads the set past the placeholder the initialiser left as AWSPREVIOUS and a pending value that is no key', async () => {
    const secret = new FakeSigningKeySecret();
    await secret.putCurrent(JSON.stringify({ keys: [], placeholder: 'generated' }));
    const { status: _s, ...key } = await generateSigningKey(T0, 'current');
    await secret.putCurrent(serializeStoredKey(key));
    await secret.putPending(randomUUID(), 'not a key');

    const keySet = await readKeySet(secret);

    assert.deepEqual(
      keySet.keys.map((entry) => [entry.kid, entry.status]),
      [[key.kid, 'current']],
    );
    await secret.putCurrent('{"keys":[]}');
    await assert.rejects(readKeySet(secret), /signing key set/);
  });

  it('reads a value in the former key-set format as its current key, and rotates from it', async () => {
    const current = await generateSigningKey(T0, 'current');
    const previous = await generateSigningKey(T0, 'previous');
    const secret = new FakeSigningKeySecret();
    await secret.putCurrent(JSON.stringify({ keys: [previous, current] }));
    const { deps } = rotationDeps(secret);

    const legacy = await readKeySet(secret);
    const { kid } = await rotateSigningKeys(deps, CTX);

    assert.deepEqual(
      legacy.keys.map((key) => [key.kid, key.status]),
      [[current.kid, 'current']],
    );
    assert.deepEqual(
      (await readKeySet(secret)).keys.map((key) => [key.kid, key.status]).sort(),
      [
        [kid, 'current'],
        [current.kid, 'previous'],
      ].sort(),
    );
  });

  it('puts no key material in the log lines or the audit events of a rotation, failed or not', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps, recorded } = rotationDeps(secret);
    await rotateSigningKeys(deps, CTX);
    const token = randomUUID();
    await secret.putPending(token, await brokenKeyValue());
    await testSecret(deps, token, CTX, DRIVEN).catch(() => undefined);

    const privateDs = [...secret.versions.values()].map((version) => {
      const parsed = JSON.parse(version.value) as { privateJwk: { d: string } };
      return parsed.privateJwk.d;
    });
    assert.ok(recorded.logs.length > 0 && recorded.events.length > 0);
    assert.equal(holdsKeyMaterial({ logs: recorded.logs, events: recorded.events }, privateDs), false);
  });
});

describe('rotation on demand, when due, and status', () => {
  it('where Secrets Manager rotates, the admin rotation calls RotateSecret and audits the start', async () => {
    const secret = await secretWithCurrentKey(T0);
    const labels = secret.labels();
    const { deps, recorded } = rotationDeps(secret, { settings: { rotatedBy: 'secrets-manager' } });

    const started = await startSigningKeyRotation(deps, CTX);

    assert.equal(started.outcome, 'started');
    assert.equal(started.kid, null);
    assert.deepEqual(secret.rotateCalls, [started.versionId]);
    assert.deepEqual(secret.labels(), labels, 'the steps are Secrets Manager’s to run');
    assert.equal(recorded.events.at(-1)?.type, 'signing-keys.rotation-started');
  });

  it('where Nimbus rotates, the admin rotation runs the four steps and names the new kid', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret);

    const started = await startSigningKeyRotation(deps, CTX);

    assert.equal(started.outcome, 'rotated');
    assert.equal(started.kid, await currentKid(secret));
    assert.deepEqual(secret.rotateCalls, []);
  });

  it('rotateSigningKeysIfDue rotates only a key older than the period, and never where Secrets Manager rotates', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret, { settings: { everyDays: 30 } });
    const scheduled = rotationDeps(secret, { settings: { everyDays: 30, rotatedBy: 'secrets-manager' } });
    const day29 = new Date(T0.getTime() + 29 * 86_400_000);
    const day30 = new Date(T0.getTime() + 30 * 86_400_000);

    assert.deepEqual(await rotateSigningKeysIfDue(deps, day29), { rotated: false, reason: 'not-due' });
    assert.deepEqual(await rotateSigningKeysIfDue(scheduled.deps, day30), {
      rotated: false,
      reason: 'rotated-by-secrets-manager',
    });
    const before = await currentKid(secret);
    assert.deepEqual(await rotateSigningKeysIfDue(deps, day30), { rotated: true, reason: 'rotated' });
    assert.notEqual(await currentKid(secret), before);
  });

  it('rotateSigningKeysIfDue waits out a rotation in progress instead of failing the job', async () => {
    const secret = await secretWithCurrentKey(T0);
    const { deps } = rotationDeps(secret);
    await createSecret(deps, randomUUID(), CTX, DRIVEN);

    const result = await rotateSigningKeysIfDue(deps, new Date(T0.getTime() + 90 * 86_400_000));

    assert.deepEqual(result, { rotated: false, reason: 'rotation-in-progress' });
  });

  it('status lists each kid with its stage and age, and the next rotation', async () => {
    const secret = await secretWithCurrentKey(T0);
    const now = new Date(T0.getTime() + 3 * 86_400_000);
    const { deps } = rotationDeps(secret, { now: () => now, settings: { everyDays: 30 } });
    const token = randomUUID();
    await createSecret(deps, token, CTX, DRIVEN);

    const status = await signingKeyStatus(deps, now);

    assert.deepEqual(
      status.keys.map((key) => [key.stage, key.ageSeconds]).sort(),
      [
        ['AWSCURRENT', 3 * 86_400],
        ['AWSPENDING', 0],
      ].sort(),
    );
    assert.deepEqual(status.rotation, {
      everyDays: 30,
      rotatedBy: 'nimbus',
      nextRotationAt: new Date(T0.getTime() + 30 * 86_400_000).toISOString(),
      pendingVersionId: token,
    });
    secret.nextRotationAt = new Date('2026-04-01T00:00:00Z');
    const scheduled = rotationDeps(secret, { settings: { rotatedBy: 'secrets-manager' } });
    assert.equal(
      (await signingKeyStatus(scheduled.deps, now)).rotation.nextRotationAt,
      '2026-04-01T00:00:00.000Z',
    );
  });
});
