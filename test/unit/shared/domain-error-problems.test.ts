import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationFailedError,
  ConflictingStateError,
  InvalidInputError,
  NotPermittedError,
  ResourceNotFoundError,
} from '#shared/domain-errors.ts';
import { PROBLEM_BASE, problemOf } from '#shared/http/problem.ts';

const CTX = { instance: '/v1/things', correlationId: 'corr-1' };

describe('problemOf: domain errors', () => {
  it('answers invalid input with 400 bad-request listing the fields', () => {
    const fields = [{ path: 'body.expiresAt', message: 'must be in the future' }];

    const problem = problemOf(new InvalidInputError('expiresAt must be in the future.', fields), CTX);

    assert.equal(problem.status, 400);
    assert.equal(problem.body.type, `${PROBLEM_BASE}bad-request`);
    assert.equal(problem.body.detail, 'expiresAt must be in the future.');
    assert.deepEqual(problem.body.errors, fields);
  });

  it('answers a failed authentication with 401, its code as the type, and a Bearer challenge', () => {
    const coded = problemOf(new AuthenticationFailedError('Wrong password.', 'invalid-credentials'), CTX);
    const uncoded = problemOf(new AuthenticationFailedError('Who are you?'), CTX);

    assert.equal(coded.status, 401);
    assert.equal(coded.body.type, `${PROBLEM_BASE}invalid-credentials`);
    assert.equal(coded.headers['WWW-Authenticate'], 'Bearer');
    assert.equal(uncoded.body.type, `${PROBLEM_BASE}unauthorized`);
  });

  it('answers not permitted, not found and conflict with 403, 404 and 409', () => {
    const cases = [
      [new NotPermittedError('no'), 403, 'forbidden'],
      [new ResourceNotFoundError('none'), 404, 'not-found'],
      [new ConflictingStateError('taken'), 409, 'conflict'],
    ] as const;

    for (const [error, status, type] of cases) {
      const problem = problemOf(error, CTX);

      assert.equal(problem.status, status);
      assert.equal(problem.body.type, `${PROBLEM_BASE}${type}`);
      assert.equal(problem.body.detail, error.message);
      assert.equal(problem.body.correlationId, 'corr-1');
    }
  });
});
