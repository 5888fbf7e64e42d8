import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commaList, principalFrom } from '#shared/http/principal.ts';
import { restEvent } from '../../support/apigw.ts';

describe('commaList', () => {
  it('trims entries and drops empty ones', () => {
    assert.deepEqual(commaList(' admin, ops ,,viewer, '), ['admin', 'ops', 'viewer']);
  });

  it('is empty for an empty, blank or non-string value', () => {
    for (const value of ['', ' ', ' , ,', undefined, null, 42]) {
      assert.deepEqual(commaList(value), [], JSON.stringify(value));
    }
  });
});

describe('principalFrom', () => {
  it('reads roles and permissions trimmed of whitespace and empty entries', () => {
    const event = restEvent({
      authorizer: { principalId: 'u-1', kind: 'user', roles: 'admin, ops,', permissions: ' keys:read ,, *' },
    });

    const principal = principalFrom(event);

    assert.deepEqual(principal?.roles, ['admin', 'ops']);
    assert.deepEqual(principal?.permissions, ['keys:read', '*']);
  });

  it('reads the login time step-up compares, and null when it is absent or not a number', () => {
    const withTime = principalFrom(restEvent({ authorizer: { principalId: 'u-1', authTime: '1767225600' } }));
    const without = principalFrom(restEvent({ authorizer: { principalId: 'u-1', authTime: '' } }));
    const forged = principalFrom(restEvent({ authorizer: { principalId: 'u-1', authTime: '1e99' } }));

    assert.equal(withTime?.authTime, 1_767_225_600);
    assert.equal(without?.authTime, null);
    assert.equal(forged?.authTime, null);
  });

  it('is null when the authorizer gave no principal id', () => {
    assert.equal(principalFrom(restEvent({ authorizer: { principalId: '' } })), null);
    assert.equal(principalFrom(restEvent()), null);
  });
});
