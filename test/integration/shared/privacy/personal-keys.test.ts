import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { keyExpiry } from '#shared/privacy/personal-keys.ts';
import { testPersonalKeys } from '../../../support/personal-keys.ts';

const { keys, tableName } = testPersonalKeys();
const JAN = new Date('2026-01-15T12:00:00Z');
const FEB = new Date('2026-02-01T00:00:00Z');

describe('dynamoPersonalKeys on the emulator', () => {
  it('gives a person one key per calendar month, the same on every call', async () => {
    const userId = randomUUID();

    const first = await keys.keyFor(userId, JAN);
    const again = await keys.keyFor(userId, new Date('2026-01-31T23:59:59Z'));
    const february = await keys.keyFor(userId, FEB);

    assert.equal(again.ref, first.ref);
    assert.deepEqual(again.key, first.key);
    assert.notEqual(february.ref, first.ref);
    assert.notDeepEqual(february.key, first.key);
    assert.equal(first.key.length, 32);
    assert.equal(await keys.count(userId), 2);
  });

  it('of ten concurrent first uses of a month, all get the one key that was stored', async () => {
    const userId = randomUUID();

    const got = await Promise.all(Array.from({ length: 10 }, () => keys.keyFor(userId, JAN)));

    assert.equal(new Set(got.map((k) => k.ref)).size, 1);
    assert.equal(new Set(got.map((k) => k.key.toString('hex'))).size, 1);
    assert.deepEqual(await keys.open(got[0]?.ref ?? ''), got[0]?.key);
    assert.equal(await keys.count(userId), 1);
  });

  it('stores the key wrapped, under the pseudonym, expiring the retention after the month', async () => {
    const userId = randomUUID();
    const { ref, key } = await keys.keyFor(userId, JAN);

    const out = await dynamo.send(new ScanCommand({ TableName: tableName }));
    const item = out.Items?.find((i) => ref.startsWith(String(i.pk).slice('PERSON#'.length)));

    assert.ok(item, 'the key item is there');
    assert.equal(item.sk, '2026-01');
    assert.equal(item.expiresAt, keyExpiry('2026-01', 365));
    assert.ok(!JSON.stringify(out.Items).includes(userId));
    assert.ok(!JSON.stringify(item).includes(key.toString('base64url')));
    assert.ok(!JSON.stringify(item).includes(key.toString('hex')));
  });

  it('destroyAll shreds at once: open answers undefined, and a new key never reopens old data', async () => {
    const userId = randomUUID();
    const old = await keys.keyFor(userId, JAN);

    assert.equal(await keys.destroyAll(userId), 1);
    const fresh = await keys.keyFor(userId, JAN);

    assert.equal(await keys.open(old.ref), undefined);
    assert.notEqual(fresh.ref, old.ref, 'same month, new key id');
    assert.deepEqual(await keys.open(fresh.ref), fresh.key);
  });

  it("destroys only that person's keys", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    await keys.keyFor(alice, JAN);
    await keys.keyFor(alice, FEB);
    const bobs = await keys.keyFor(bob, JAN);

    assert.equal(await keys.destroyAll(alice), 2);

    assert.equal(await keys.count(alice), 0);
    assert.deepEqual(await keys.open(bobs.ref), bobs.key);
  });

  it('a key past its retention opens as shredded even before TTL has swept it', async () => {
    const userId = randomUUID();
    const { ref } = await keys.keyFor(userId, JAN);
    const lastSecond = new Date((keyExpiry('2026-01', 365) - 1) * 1000);
    const expiry = new Date(keyExpiry('2026-01', 365) * 1000);

    assert.ok(await testPersonalKeys(() => lastSecond).keys.open(ref));
    assert.equal(await testPersonalKeys(() => expiry).keys.open(ref), undefined);
  });

  it('refuses a malformed ref', async () => {
    await assert.rejects(keys.open('user-123.2026-01.x'), /malformed/);
  });
});
