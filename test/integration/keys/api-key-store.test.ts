import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { type ApiKeyRecord, dynamoApiKeyStore } from '#functions/keys/store/api-keys.ts';
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
    ...overrides,
  };
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

  it('revoke sets revokedAt on a live key and a second revoke keeps the first time', async () => {
    const record = await storedKey();

    const first = await keys.revoke(record.hash, iso(10));
    const second = await keys.revoke(record.hash, iso(20));

    assert.equal(first, true);
    assert.equal(second, true);
    assert.equal((await keys.getByHash(record.hash))?.revokedAt, iso(10));
  });

  it('revoke of an unknown key returns false and creates nothing', async () => {
    const hash = createHash('sha256').update(randomUUID()).digest('hex');

    assert.equal(await keys.revoke(hash, iso(10)), false);
    assert.equal(await keys.getByHash(hash), undefined);
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
