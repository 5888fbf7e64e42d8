import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveKey } from '#shared/crypto-box.ts';
import { keyExpiry, monthOf, personalKeyKey } from '#shared/privacy/personal-keys.ts';
import { PSEUDONYM_CONTEXT, pseudonymOf } from '#shared/privacy/pseudonym.ts';

const DAY = 86_400;

describe('personal keys: months and retention', () => {
  it('names the month of an instant in UTC', () => {
    assert.equal(monthOf(new Date('2026-01-31T23:59:59.999Z')), '2026-01');
    assert.equal(monthOf(new Date('2026-02-01T00:00:00.000Z')), '2026-02');
    // 00:30 on 1 March in Paris is still February in UTC.
    assert.equal(monthOf(new Date('2026-03-01T00:30:00+01:00')), '2026-02');
  });

  it('expires a month key the retention after the month ends, across a year end', () => {
    assert.equal(keyExpiry('2026-01', 365), Date.UTC(2026, 1, 1) / 1000 + 365 * DAY);
    assert.equal(keyExpiry('2026-12', 30), Date.UTC(2027, 0, 1) / 1000 + 30 * DAY);
    assert.equal(keyExpiry('2028-02', 1), Date.UTC(2028, 2, 1) / 1000 + DAY);
  });

  it('keys a person by pseudonym and month, never by user id', () => {
    const key = deriveKey('material', PSEUDONYM_CONTEXT);
    const name = pseudonymOf(key, 'user-123');

    assert.deepEqual(personalKeyKey(name, '2026-01'), { pk: `PERSON#${name}`, sk: '2026-01' });
    assert.ok(!JSON.stringify(personalKeyKey(name, '2026-01')).includes('user-123'));
  });
});

describe('pseudonymOf', () => {
  const key = deriveKey('material', PSEUDONYM_CONTEXT);

  it('is stable, differs per person and per key, and hides the id', () => {
    const name = pseudonymOf(key, 'user-123');

    assert.equal(pseudonymOf(key, 'user-123'), name);
    assert.notEqual(pseudonymOf(key, 'user-124'), name);
    assert.notEqual(pseudonymOf(deriveKey('other', PSEUDONYM_CONTEXT), 'user-123'), name);
    assert.match(name, /^[A-Za-z0-9_-]{22}$/);
  });

  it('refuses an empty id', () => {
    assert.throws(() => pseudonymOf(key, ''), /needs a user id/);
  });
});
