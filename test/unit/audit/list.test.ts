import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAuditTrail } from '#functions/audit/use-cases/list.ts';
import { memoryEventStore } from '../../support/fakes.ts';

async function trailOf(length: number) {
  const events = memoryEventStore();
  for (let i = 0; i < length; i++)
    await events.append({ subject: 'user:u1', type: `t${i + 1}`, actor: 'u1' });
  await events.append({ subject: 'user:other', type: 'elsewhere', actor: 'other' });
  return { events };
}

describe('listAuditTrail', () => {
  it('returns one subject newest first, with the cursor of the next older page', async () => {
    const deps = await trailOf(5);

    const page = await listAuditTrail(deps, 'user:u1', { limit: 2 });

    assert.deepEqual(
      page.items.map((e) => e.version),
      [5, 4],
    );
    assert.equal(page.next, 4);
  });

  it('follows the cursor to the last page, which has no next', async () => {
    const deps = await trailOf(5);

    const middle = await listAuditTrail(deps, 'user:u1', { limit: 2, before: 4 });
    const last = await listAuditTrail(deps, 'user:u1', { limit: 2, before: 2 });

    assert.deepEqual(
      middle.items.map((e) => e.version),
      [3, 2],
    );
    assert.equal(middle.next, 2);
    assert.deepEqual(
      last.items.map((e) => e.version),
      [1],
    );
    assert.equal(last.next, null);
  });

  it('knows a full page ending at version 1 is the last without another read', async () => {
    const deps = await trailOf(2);

    const page = await listAuditTrail(deps, 'user:u1', { limit: 2 });

    assert.equal(page.next, null);
  });
});
