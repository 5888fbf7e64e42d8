import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAudit } from '#functions/audit/routes.ts';
import { ERASED_ACTOR, ERASED_DATA } from '#shared/audit/persons.ts';

const subjectOf = (subject: string) => listAudit.request.query.safeParse({ subject });

describe('GET /v1/audit: the subject', () => {
  it('reads an API key’s trail by key:<id> as apikey:<id>, and the signing keys’ trail by name', () => {
    assert.equal(subjectOf('key:3f2a').data?.subject, 'apikey:3f2a');
    assert.equal(subjectOf('apikey:3f2a').data?.subject, 'apikey:3f2a');
    assert.equal(subjectOf('signing-keys').data?.subject, 'signing-keys');
    assert.equal(subjectOf('job:expiry-watch').data?.subject, 'job:expiry-watch');
  });

  it('refuses anything else', () => {
    for (const subject of ['signing', 'user:', 'USER:1', 'user:a b', 'signing-keys:1', '']) {
      assert.equal(subjectOf(subject).success, false, subject);
    }
  });
});

describe('GET /v1/audit: the response', () => {
  it('holds events whose personal fields are erased, as the store reads them after a key is shredded', () => {
    const schema = listAudit.responses[200].schema;
    const erased = {
      subject: 'user:3f2a',
      version: 1,
      type: 'user.registered',
      actor: ERASED_ACTOR,
      at: '2026-01-01T00:00:00.000Z',
      correlationId: null,
      data: ERASED_DATA,
      id: 'e-1',
    };

    assert.equal(schema.safeParse({ items: [erased], next: null }).success, true);
  });
});
