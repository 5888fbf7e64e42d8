import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, it, mock } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { INVALID_CREDENTIALS, login, registerOpen } from '#functions/auth/use-cases/credentials.ts';
import { dynamo } from '#shared/clients/dynamodb.ts';
import { META, rejectsAuthentication, testAuthDeps } from '../../support/auth-deps.ts';

const PASSWORD = 'correct horse battery staple';
const uniqueEmail = (tag: string) => `${tag}-${randomUUID()}@it.nimbus.test`;

afterEach(() => mock.restoreAll());

describe('registration and login on the real stores', () => {
  // Regression (issue 9): a taken email answered 409 where a new one answered 201.
  it('answers a taken email as a new one, keeps the first account and audits the attempt on it', async () => {
    const { deps } = await testAuthDeps();
    const email = uniqueEmail('taken');

    const fresh = await registerOpen(deps, { email, password: PASSWORD, name: 'first' }, META);
    const taken = await registerOpen(
      deps,
      { email, password: 'another long password', name: 'second' },
      META,
    );

    assert.deepEqual(taken, fresh);
    const owner = await deps.users.findByEmail(email);
    assert.equal(owner?.name, 'first');
    const events = await deps.events.list(`user:${owner?.id}`, { limit: 10 });
    assert.deepEqual(
      events.map((e) => e.type),
      ['security.registration-email-taken', 'user.registered'],
    );
  });

  // Regression (issue 9): an unknown email cost one DynamoDB read at login, a known one two.
  it('reads DynamoDB as often for an unknown email as for a known one with a wrong password', async () => {
    const { deps } = await testAuthDeps();
    const email = uniqueEmail('reads');
    await registerOpen(deps, { email, password: PASSWORD, name: 'reads' }, META);
    const send = dynamo.send.bind(dynamo);
    let reads = 0;
    mock.method(dynamo, 'send', (command: Parameters<typeof send>[0]) => {
      if (command instanceof GetCommand) reads += 1;
      return send(command);
    });

    await rejectsAuthentication(
      login(deps, { email, password: 'not the password' }, META),
      INVALID_CREDENTIALS,
    );
    const known = reads;
    reads = 0;
    await rejectsAuthentication(
      login(deps, { email: uniqueEmail('nobody'), password: PASSWORD }, META),
      INVALID_CREDENTIALS,
    );

    assert.equal(reads, known);
    // The email claim, the profile, and the month's personal key the failure is sealed with (the
    // account's, or the unknown email's: docs/decisions/0011-personal-data-at-rest.md).
    assert.equal(known, 3);
  });
});
