import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { dynamoEventStore } from '#shared/audit/event-store.ts';
import { testPersonalKeys } from '../../../support/personal-keys.ts';
import { EVENTS_TABLE } from '../../../support/tables.ts';

const { keys } = testPersonalKeys();
const events = dynamoEventStore(EVENTS_TABLE, undefined, () => keys);
const newSubject = () => `test:${randomUUID()}`;

async function appendMany(subject: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await events.append({ subject, type: `test.step-${i}`, actor: 'system', data: { i } });
  }
}

describe('dynamoEventStore on the emulator', () => {
  it('numbers the events of a subject 1..n in append order', async () => {
    const subject = newSubject();

    const appended = [
      await events.append({
        subject,
        type: 'test.created',
        actor: 'user-1',
        correlationId: 'c-1',
        data: { a: 1 },
      }),
      await events.append({ subject, type: 'test.updated', actor: 'user-1' }),
      await events.append({ subject, type: 'test.deleted', actor: 'system' }),
    ];

    assert.deepEqual(
      appended.map((event) => [event.version, event.type]),
      [
        [1, 'test.created'],
        [2, 'test.updated'],
        [3, 'test.deleted'],
      ],
    );
    assert.deepEqual(await events.list(subject), [...appended].reverse());
    assert.equal(appended[1]?.correlationId, null);
    assert.deepEqual(appended[1]?.data, {});
  });

  it('numbers each subject on its own', async () => {
    const a = newSubject();
    const b = newSubject();
    await appendMany(a, 2);

    const first = await events.append({ subject: b, type: 'test.created', actor: 'system' });

    assert.equal(first.version, 1);
  });

  it('gives 10 concurrent appends to one subject the versions 1..10, no gap, no duplicate', async () => {
    const subject = newSubject();

    const appended = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        events.append({ subject, type: 'test.concurrent', actor: `writer-${i}` }),
      ),
    );

    const versions = appended.map((event) => event.version).sort((x, y) => x - y);
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stored = await events.list(subject);
    assert.deepEqual(
      stored.map((event) => event.version),
      [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    );
    assert.deepEqual(
      new Set(stored.map((event) => event.actor)).size,
      10,
      'every writer landed exactly once',
    );
  });

  it('lists newest first, honours limit, and pages back with before', async () => {
    const subject = newSubject();
    await appendMany(subject, 7);

    const page1 = await events.list(subject, { limit: 3 });
    const page2 = await events.list(subject, { limit: 3, before: page1.at(-1)?.version });
    const page3 = await events.list(subject, { limit: 3, before: page2.at(-1)?.version });

    const versions = (page: { version: number }[]) => page.map((event) => event.version);
    assert.deepEqual(versions(page1), [7, 6, 5]);
    assert.deepEqual(versions(page2), [4, 3, 2]);
    assert.deepEqual(versions(page3), [1]);
  });

  it('list of a subject without events is empty', async () => {
    assert.deepEqual(await events.list(newSubject()), []);
  });
});
