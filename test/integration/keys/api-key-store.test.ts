import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type ApiKeyRecord, dynamoApiKeyStore, KeyChangedError } from '#functions/keys/store/api-keys.ts';
import { APP_TABLE } from '../../support/tables.ts';

const keys = dynamoApiKeyStore(APP_TABLE);
const T0 = Date.now();
const iso = (offsetSeconds: number) => new Date(T0 + offsetSeconds * 1000).toISOString();

function newKey(ownerId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = randomUUID();
  return {
    id,
    hash: createHash('sha256').update(id).digest('hex'),
    ownerId,
    orgId: 'org_integration',
    name: `key ${id.slice(0, 8)}`,
    prefix: `nmb_test_${id.slice(0, 6)}`,
    permissions: ['deployments:read'],
    createdAt: iso(0),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    generation: 0,
    rotatedAt: null,
    supersededAt: null,
    rotationEveryDays: null,
    secretToCollect: false,
    ...overrides,
  };
}

const hashOf = (seed: string) => createHash('sha256').update(seed).digest('hex');

/** The rotation the use case would ask for: a new secret of `current`, the old one ending at `endsAt`. */
function rotationOf(current: ApiKeyRecord, endsAt: string, sealedSecret: string | null = null) {
  const next: ApiKeyRecord = {
    ...current,
    hash: hashOf(randomUUID()),
    prefix: `nmb_test_${randomUUID().slice(0, 7)}`,
    generation: current.generation + 1,
    rotatedAt: iso(1),
    lastUsedAt: null,
    secretToCollect: sealedSecret !== null,
  };
  return { current, next, currentEndsAt: endsAt, sealedSecret, ended: [] as ApiKeyRecord[] };
}

async function storedKey(overrides: Partial<ApiKeyRecord> = {}): Promise<ApiKeyRecord> {
  const record = newKey(randomUUID(), overrides);
  await keys.create(record);
  return record;
}

describe('dynamoApiKeyStore on the emulator', () => {
  it('getByHash returns the created key exactly as given', async () => {
    const record = newKey(randomUUID(), { expiresAt: iso(86_400) });

    await keys.create(record);

    assert.deepEqual(await keys.getByHash(record.hash), record);
  });

  it('getByHash of an unknown hash returns undefined', async () => {
    assert.equal(await keys.getByHash(createHash('sha256').update(randomUUID()).digest('hex')), undefined);
  });

  it("listByOwner returns the owner's keys through the index and no one else's", async () => {
    const ownerId = randomUUID();
    const mine = [newKey(ownerId), newKey(ownerId)];
    for (const record of mine) await keys.create(record);
    await storedKey();

    const listed = await keys.listByOwner(ownerId);

    const byId = (a: ApiKeyRecord, b: ApiKeyRecord) => a.id.localeCompare(b.id);
    assert.deepEqual(listed.sort(byId), mine.sort(byId));
  });

  it('getById finds a key of its owner and nothing for another owner', async () => {
    const record = await storedKey();

    assert.deepEqual(await keys.getById(record.ownerId, record.id), record);
    assert.equal(await keys.getById(randomUUID(), record.id), undefined);
  });

  it('revokeKey sets revokedAt on a live key and a second revoke keeps the first time', async () => {
    const record = await storedKey();

    await keys.revokeKey([record], iso(10));
    await keys.revokeKey(await keys.secretsOf(record.ownerId, record.id), iso(20));

    assert.equal((await keys.getByHash(record.hash))?.revokedAt, iso(10));
  });

  it('ownerOf finds the owner of a created key by its id alone', async () => {
    const record = await storedKey();

    assert.equal(await keys.ownerOf(record.id), record.ownerId);
    assert.equal(await keys.ownerOf(randomUUID()), undefined);
  });

  it('rotate supersedes the old secret with its end and stores the new one, in one transaction', async () => {
    const record = await storedKey({ expiresAt: iso(86_400) });
    const rotation = rotationOf(record, iso(3600));

    await keys.rotate(rotation);

    const old = await keys.getByHash(record.hash);
    assert.equal(old?.supersededAt, iso(1));
    assert.equal(old?.expiresAt, iso(3600));
    assert.deepEqual(await keys.getByHash(rotation.next.hash), rotation.next);
    assert.deepEqual(await keys.getById(record.ownerId, record.id), rotation.next);
    assert.equal((await keys.secretsOf(record.ownerId, record.id)).length, 2);
    const listed = await keys.listByOwner(record.ownerId);
    assert.deepEqual(listed.map((r) => r.generation).sort(), [0, 1]);
  });

  it('rotate of a secret already superseded fails whole: no second new secret is stored', async () => {
    const record = await storedKey();
    await keys.rotate(rotationOf(record, iso(60)));
    const late = rotationOf(record, iso(60));

    await assert.rejects(keys.rotate(late), KeyChangedError);

    assert.equal(await keys.getByHash(late.next.hash), undefined);
    assert.equal((await keys.getByHash(record.hash))?.expiresAt, iso(60));
  });

  it('rotate of a revoked key fails whole', async () => {
    const record = await storedKey();
    await keys.revokeKey([record], iso(5));
    const rotation = rotationOf(record, iso(60));

    await assert.rejects(keys.rotate(rotation), KeyChangedError);
    assert.equal(await keys.getByHash(rotation.next.hash), undefined);
  });

  it('rotate deletes superseded secrets past their end', async () => {
    const record = await storedKey();
    const first = rotationOf(record, iso(0));
    await keys.rotate(first);
    const second = { ...rotationOf(first.next, iso(60)), ended: [{ ...record, supersededAt: iso(1) }] };

    await keys.rotate(second);

    assert.equal(await keys.getByHash(record.hash), undefined);
    assert.deepEqual(
      (await keys.secretsOf(record.ownerId, record.id)).map((r) => r.generation).sort(),
      [1, 2],
    );
  });

  it('revokeKey revokes every secret of a rotated key at once', async () => {
    const record = await storedKey();
    const rotation = rotationOf(record, iso(3600));
    await keys.rotate(rotation);

    await keys.revokeKey(await keys.secretsOf(record.ownerId, record.id), iso(10));

    assert.equal((await keys.getByHash(record.hash))?.revokedAt, iso(10));
    assert.equal((await keys.getByHash(rotation.next.hash))?.revokedAt, iso(10));
  });

  it('revokeKey with a stale read (a rotation in between) fails whole, so no new secret escapes', async () => {
    const record = await storedKey();
    const rotation = rotationOf(record, iso(3600));
    await keys.rotate(rotation);

    await assert.rejects(keys.revokeKey([record], iso(10)), KeyChangedError);
    assert.equal((await keys.getByHash(record.hash))?.revokedAt, null);
  });

  it('a sealed secret is collected once, and not after a revocation', async () => {
    const record = await storedKey();
    const rotation = rotationOf(record, iso(3600), 'v1.sealed.for.test');
    await keys.rotate(rotation);
    assert.equal((await keys.getByHash(rotation.next.hash))?.secretToCollect, true);

    assert.equal(await keys.takeSecretToCollect(rotation.next.hash), 'v1.sealed.for.test');
    assert.equal(await keys.takeSecretToCollect(rotation.next.hash), undefined);
    assert.equal((await keys.getByHash(rotation.next.hash))?.secretToCollect, false);

    const other = await storedKey();
    const sealed = rotationOf(other, iso(3600), 'v1.sealed.other');
    await keys.rotate(sealed);
    await keys.revokeKey(await keys.secretsOf(other.ownerId, other.id), iso(5));
    assert.equal(await keys.takeSecretToCollect(sealed.next.hash), undefined);
  });

  it('a schedule puts the key in the due index; rotation moves it, unscheduling removes it', async () => {
    // Far in the past so that no other test's key shares the window read below.
    const createdAt = '2001-01-01T00:00:00.000Z';
    const record = await storedKey({ createdAt });
    const dueIds = async (by: string) => (await keys.rotationsDue(by)).map((ref) => ref.keyId);

    await keys.setRotationSchedule(record, 10);
    const scheduled = { ...record, rotationEveryDays: 10 };
    assert.equal((await dueIds('2001-01-10T23:59:59.999Z')).includes(record.id), false);
    assert.equal((await dueIds('2001-01-11T00:00:00.000Z')).includes(record.id), true);

    const rotation = rotationOf(scheduled, iso(60));
    const next = { ...rotation.next, rotatedAt: '2001-01-05T00:00:00.000Z' };
    await keys.rotate({ ...rotation, next });
    assert.equal((await dueIds('2001-01-11T00:00:00.000Z')).includes(record.id), false);
    assert.equal((await dueIds('2001-01-15T00:00:00.000Z')).includes(record.id), true);

    await keys.setRotationSchedule(next, null);
    assert.equal((await dueIds('2001-02-01T00:00:00.000Z')).includes(record.id), false);
  });

  it('expiringBetween finds a key by its expiry until it is revoked', async () => {
    const expiresAt = '2002-03-04T05:06:07.000Z';
    const record = await storedKey({ expiresAt });

    const found = await keys.expiringBetween('2002-03-04T00:00:00.000Z', '2002-03-05T00:00:00.000Z');
    assert.deepEqual(
      found.filter((ref) => ref.keyId === record.id),
      [{ keyId: record.id, ownerId: record.ownerId, expiresAt }],
    );

    await keys.revokeKey([record], iso(1));
    const after = await keys.expiringBetween('2002-03-04T00:00:00.000Z', '2002-03-05T00:00:00.000Z');
    assert.equal(
      after.some((ref) => ref.keyId === record.id),
      false,
    );
  });

  it('touch writes lastUsedAt on a key never used', async () => {
    const record = await storedKey();

    await keys.touch(record.hash, iso(5), iso(-55));

    assert.equal((await keys.getByHash(record.hash))?.lastUsedAt, iso(5));
  });

  it('touch writes lastUsedAt when the stored one is older than staleBefore', async () => {
    const record = await storedKey({ lastUsedAt: iso(0) });

    await keys.touch(record.hash, iso(120), iso(60));

    assert.equal((await keys.getByHash(record.hash))?.lastUsedAt, iso(120));
  });

  it('touch does not write when the stored lastUsedAt is still fresh', async () => {
    const record = await storedKey({ lastUsedAt: iso(30) });

    await keys.touch(record.hash, iso(40), iso(-20));

    assert.equal((await keys.getByHash(record.hash))?.lastUsedAt, iso(30));
  });

  it('touch of an unknown key creates nothing', async () => {
    const hash = createHash('sha256').update(randomUUID()).digest('hex');

    await keys.touch(hash, iso(5), iso(-55));

    assert.equal(await keys.getByHash(hash), undefined);
  });
});
