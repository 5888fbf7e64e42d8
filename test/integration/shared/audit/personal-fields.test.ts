import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, dynamoEventStore } from '#shared/audit/event-store.ts';
import { ERASED_ACTOR, ERASED_DATA, personalPartition } from '#shared/audit/persons.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { pseudonymOf } from '#shared/privacy/pseudonym.ts';
import { testPersonalKeys } from '../../../support/personal-keys.ts';
import { EVENTS_TABLE } from '../../../support/tables.ts';

const { keys, tableName: KEYS_TABLE, pseudonymKey } = testPersonalKeys();
const events = dynamoEventStore(EVENTS_TABLE, undefined, () => keys);

/** A person with values found nowhere else in the tables: a fresh id, email and IPv6 address. */
function person() {
  const id = randomUUID();
  const hex = () => randomBytes(2).toString('hex');
  return { id, email: `it-${id}@example.test`, ip: `2001:db8:${hex()}:${hex()}::${hex()}` };
}

async function scanAll(tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** A person's trail and a key's trail, with events about them from themselves, others and nobody. */
async function seeded() {
  const alice = person();
  const bob = person();
  const admin = person();
  const keyId = randomUUID();
  await events.append({
    subject: `user:${alice.id}`,
    type: 'user.registered',
    actor: alice.id,
    correlationId: 'c-1',
    data: { email: alice.email, ip: alice.ip },
  });
  await events.append({
    subject: `user:${alice.id}`,
    type: 'security.login-failed',
    actor: 'anonymous',
    data: { ip: alice.ip, reason: 'credentials' },
  });
  await events.append({
    subject: `user:${alice.id}`,
    type: 'user.roles-changed',
    actor: admin.id,
    data: { roles: ['admin'] },
  });
  await events.append({
    subject: `apikey:${keyId}`,
    type: 'apikey.created',
    actor: alice.id,
    data: { name: 'ci' },
  });
  await events.append({
    subject: `user:${bob.id}`,
    type: 'user.registered',
    actor: bob.id,
    data: { email: bob.email, ip: bob.ip },
  });
  return { alice, bob, admin, keyId };
}

const shape = (trail: AuditEvent[]) => trail.map((event) => [event.version, event.type, event.at, event.id]);

describe('the audit trail keeps personal data sealed at rest', () => {
  it('stores no email, IP or user id in clear in either table, and lists them in clear', async () => {
    const { alice, admin, keyId } = await seeded();

    const raw = JSON.stringify([...(await scanAll(EVENTS_TABLE)), ...(await scanAll(KEYS_TABLE))]);
    const trail = await events.list(`user:${alice.id}`);
    const keyTrail = await events.list(`apikey:${keyId}`);

    for (const value of [alice.id, alice.email, alice.ip, admin.id]) assert.ok(!raw.includes(value), value);
    assert.deepEqual(
      trail.map((event) => [event.subject, event.type, event.actor, event.data]),
      [
        [`user:${alice.id}`, 'user.roles-changed', admin.id, { roles: ['admin'] }],
        [`user:${alice.id}`, 'security.login-failed', 'anonymous', { ip: alice.ip, reason: 'credentials' }],
        [`user:${alice.id}`, 'user.registered', alice.id, { email: alice.email, ip: alice.ip }],
      ],
    );
    assert.equal(trail[2]?.correlationId, 'c-1');
    assert.deepEqual(
      keyTrail.map((event) => [event.actor, event.data]),
      [[alice.id, { name: 'ci' }]],
    );
  });

  it("keeps a person's trail under their pseudonym, with key refs that name the pseudonym only", async () => {
    const { alice } = await seeded();
    const pk = personalPartition('user', pseudonymOf(pseudonymKey, alice.id));

    const out = await dynamo.send(
      new QueryCommand({
        TableName: EVENTS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );

    assert.equal(out.Items?.length, 3);
    for (const item of out.Items ?? []) {
      assert.equal(typeof item.data, 'string', 'data is sealed');
      assert.match(String(item.dataKeyRef), /^[A-Za-z0-9_-]{22}\.\d{4}-\d{2}\.[A-Za-z0-9_-]{11}$/);
      assert.equal(item.subject, pk);
    }
  });

  it("after the person's keys are destroyed, every event is still there, in order, and reads as erased", async () => {
    const { alice, bob, admin, keyId } = await seeded();
    const before = await events.list(`user:${alice.id}`);
    const keyTrailBefore = await events.list(`apikey:${keyId}`);

    const destroyed = await keys.destroyAll(alice.id);

    const after = await events.list(`user:${alice.id}`);
    const keyTrail = await events.list(`apikey:${keyId}`);
    assert.equal(destroyed, 1, "one month's key");
    assert.equal(await keys.count(alice.id), 0);
    assert.deepEqual(shape(after), shape(before));
    assert.deepEqual(
      after.map((event) => [event.subject, event.actor, event.data]),
      [
        // The admin's own key is intact: who acted stays readable, what it was about does not.
        [`user:${alice.id}`, admin.id, ERASED_DATA],
        [`user:${alice.id}`, 'anonymous', ERASED_DATA],
        [`user:${alice.id}`, ERASED_ACTOR, ERASED_DATA],
      ],
    );
    assert.deepEqual(shape(keyTrail), shape(keyTrailBefore));
    assert.deepEqual(
      keyTrail.map((event) => [event.actor, event.data]),
      [[ERASED_ACTOR, ERASED_DATA]],
    );
    const bobs = await events.list(`user:${bob.id}`);
    assert.deepEqual(
      bobs.map((event) => [event.actor, event.data]),
      [[bob.id, { email: bob.email, ip: bob.ip }]],
    );
  });

  it('a second destroyAll is a no-op', async () => {
    const { alice } = await seeded();
    await keys.destroyAll(alice.id);

    assert.equal(await keys.destroyAll(alice.id), 0);
  });

  it('leaves events about no person as they were: data and actor in clear, no key refs', async () => {
    const subject = `job:it-${randomUUID()}`;
    await events.append({ subject, type: 'job.ran', actor: `job:it`, data: { found: 2 } });

    const out = await dynamo.send(
      new QueryCommand({
        TableName: EVENTS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': subject },
      }),
    );

    assert.deepEqual(out.Items?.[0]?.data, { found: 2 });
    assert.equal(out.Items?.[0]?.actor, 'job:it');
    assert.equal(out.Items?.[0]?.dataKeyRef, undefined);
    assert.equal(out.Items?.[0]?.actorKeyRef, undefined);
  });

  it('seals the data of an event about someone its subject and actor do not name with their key (`about`)', async () => {
    const owner = person();
    const subject = `apikey:${randomUUID()}`;
    await events.append({
      subject,
      type: 'apikey.expiry-warning',
      actor: 'job:expiry-watch',
      about: owner.id,
      data: { ownerId: owner.id },
    });

    const raw = JSON.stringify((await scanAll(EVENTS_TABLE)).filter((item) => item.pk === subject));
    const listed = await events.list(subject);
    await keys.destroyAll(owner.id);
    const erased = await events.list(subject);

    assert.ok(!raw.includes(owner.id));
    assert.deepEqual(listed[0]?.data, { ownerId: owner.id });
    assert.equal(listed[0]?.actor, 'job:expiry-watch');
    assert.deepEqual(erased[0]?.data, ERASED_DATA);
  });
});
