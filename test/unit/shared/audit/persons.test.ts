import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isPersonActor,
  PERSONAL_SUBJECT_KINDS,
  personalPartition,
  personOfSubject,
} from '#shared/audit/persons.ts';

describe('who an audit event is about', () => {
  it('reads a person from user, consent and unknown-email subjects only', () => {
    assert.deepEqual(PERSONAL_SUBJECT_KINDS, ['user', 'consent', 'email']);
    assert.deepEqual(personOfSubject('user:u-1'), { kind: 'user', userId: 'u-1' });
    assert.deepEqual(personOfSubject('consent:u-1'), { kind: 'consent', userId: 'u-1' });
    assert.deepEqual(personOfSubject('email:0a1b'), { kind: 'email', userId: '0a1b' });
    for (const subject of [
      'apikey:k-1',
      'job:expiry-watch',
      'signing-keys',
      'user:',
      'cache:http',
      'ratelimit:x',
    ]) {
      assert.equal(personOfSubject(subject), null, subject);
    }
  });

  it('treats user ids as people, and the platform, anonymous callers, AWS and kind:name actors as not', () => {
    assert.ok(isPersonActor('3f2a1c1e-0000-4000-8000-000000000000'));
    for (const actor of ['system', 'anonymous', 'secretsmanager', 'job:rotate-due', 'e2e:jwks', '']) {
      assert.equal(isPersonActor(actor), false, actor);
    }
  });

  it("stores a personal subject's trail under kind and pseudonym", () => {
    assert.equal(personalPartition('user', 'abc'), 'user:~abc');
  });
});
