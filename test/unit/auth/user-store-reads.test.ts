import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoUserStore } from '#functions/auth/store/users.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { userKey } from '#shared/store/table-keys.ts';

const KNOWN = 'known@nimbus.test';
const USER_ID = '3f1c2a9e-8d4b-4c7a-9e2f-1a2b3c4d5e6f';

/** The table as the store reads it: one email claim and its profile; every GetItem recorded. */
function recordReads() {
  const reads: Array<{ key: Record<string, unknown>; consistent: boolean }> = [];
  mock.method(dynamo, 'send', async (command: unknown) => {
    assert.ok(command instanceof GetCommand, 'the lookup only reads');
    const key = command.input.Key ?? {};
    reads.push({ key, consistent: command.input.ConsistentRead === true });
    if (key.pk === `EMAIL#${KNOWN}`) return { Item: { ...key, userId: USER_ID } };
    if (key.pk === userKey(USER_ID).pk) return { Item: { ...key, id: USER_ID, email: KNOWN } };
    return {};
  });
  return reads;
}

afterEach(() => mock.restoreAll());

describe('dynamoUserStore.findByEmail', () => {
  // Regression (issue 9): an unknown email cost one read, a known one two, so login time told
  // which emails have an account.
  it('costs an unknown email the same reads as a known one: the claim, then a profile', async () => {
    const reads = recordReads();
    const users = dynamoUserStore('app');

    const known = await users.findByEmail(KNOWN);
    const knownReads = reads.splice(0);
    const unknown = await users.findByEmail('nobody@nimbus.test');

    assert.equal(known?.id, USER_ID);
    assert.equal(unknown, undefined);
    assert.equal(reads.length, knownReads.length);
    assert.equal(reads.length, 2);
    assert.deepEqual(
      reads.map((r) => [String(r.key.sk), r.consistent]),
      knownReads.map((r) => [String(r.key.sk), r.consistent]),
    );
  });
});
