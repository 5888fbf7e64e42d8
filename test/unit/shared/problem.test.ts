import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationFailedError,
  ConflictingStateError,
  DependencyUnavailableError,
  type DomainError,
  type DomainErrorKind,
  InvalidInputError,
  NotPermittedError,
  PreconditionFailedError,
  ResourceNotFoundError,
  TooManyAttemptsError,
} from '#shared/domain-errors.ts';
import {
  AttemptsLockedError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  type HttpError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedHttpError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/errors.ts';
import { DOMAIN_ERROR_ANSWERS, isAnswer, problemResponse } from '#shared/http/problem.ts';
import { PROBLEM_BASE, PROBLEM_SLUGS, problemKind } from '#shared/http/problem-catalog.ts';

const ctx = { instance: '/v1/things/1', correlationId: 'corr-1' };

function answer(error: unknown) {
  const response = problemResponse(error, ctx);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: JSON.parse(response.body) as Record<string, unknown>,
  };
}

describe('problem catalog', () => {
  it('writes every slug as a lower-case, hyphenated URI segment under the one base URL', () => {
    assert.equal(PROBLEM_BASE, 'https://nimbus.dev/problems/');
    for (const slug of PROBLEM_SLUGS) assert.match(slug, /^[a-z]+(-[a-z]+)*$/, slug);
  });

  it('is where every HttpError takes its status, slug and title from', () => {
    const errors: readonly HttpError[] = [
      new BadRequestError('x'),
      new ValidationError([]),
      new UnauthorizedError(),
      new ForbiddenError(),
      new NotFoundError(),
      new MethodNotAllowedError(['GET']),
      new ConflictError('x'),
      new PreconditionFailedHttpError('x'),
      new PayloadTooLargeError(1),
      new UnsupportedMediaTypeError(undefined),
      new TooManyRequestsError(1, 'ip'),
      new ServiceUnavailableError('x'),
    ];
    for (const error of errors) {
      const slug = PROBLEM_SLUGS.find((candidate) => candidate === error.type);
      assert.ok(slug !== undefined, `${error.name}: ${error.type} is in the catalog`);
      const kind = problemKind(slug);
      assert.deepEqual([error.status, error.title], [kind.status, kind.title], error.name);
    }
  });

  it('keeps the status and title of unauthorized for a refined 401 type', () => {
    const error = new UnauthorizedError('Wrong password.', 'invalid-credentials');

    assert.deepEqual([error.status, error.type, error.title], [401, 'invalid-credentials', 'Unauthorized']);
  });

  it('keeps the status and title of rate-limited for a spent attempt budget, with Retry-After', () => {
    const error = new AttemptsLockedError('Locked.', 'second-factor-locked', 60);

    assert.deepEqual(
      [error.status, error.type, error.title],
      [429, 'second-factor-locked', 'Too Many Requests'],
    );
    assert.equal(error.headers['Retry-After'], '60');
  });
});

describe('domain errors to problems', () => {
  const cases: ReadonlyArray<{
    readonly kind: DomainErrorKind;
    readonly error: DomainError;
    readonly status: number;
    readonly type: string;
    readonly title: string;
    /** Members the kind adds to the problem document. */
    readonly extensions?: Readonly<Record<string, unknown>>;
  }> = [
    {
      kind: 'invalid-input',
      error: new InvalidInputError('The expiry is in the past.'),
      status: 400,
      type: 'bad-request',
      title: 'Bad Request',
    },
    {
      kind: 'authentication-failed',
      error: new AuthenticationFailedError('The token is not valid.'),
      status: 401,
      type: 'unauthorized',
      title: 'Unauthorized',
    },
    {
      kind: 'not-permitted',
      error: new NotPermittedError('You cannot delegate keys:admin.'),
      status: 403,
      type: 'forbidden',
      title: 'Forbidden',
    },
    {
      kind: 'not-found',
      error: new ResourceNotFoundError('No such key of yours.'),
      status: 404,
      type: 'not-found',
      title: 'Not Found',
    },
    {
      kind: 'conflict',
      error: new ConflictingStateError('The email is already registered.'),
      status: 409,
      type: 'conflict',
      title: 'Conflict',
    },
    {
      kind: 'precondition-failed',
      error: new PreconditionFailedError('The stack changed since revision 3.'),
      status: 412,
      type: 'precondition-failed',
      title: 'Precondition Failed',
    },
    {
      kind: 'locked',
      error: new TooManyAttemptsError('Too many wrong codes.', 'second-factor-locked', 900),
      status: 429,
      type: 'second-factor-locked',
      title: 'Too Many Requests',
      extensions: { retryAfter: 900 },
    },
    {
      kind: 'unavailable',
      error: new DependencyUnavailableError('Redis is unreachable; nothing was reset.'),
      status: 503,
      type: 'service-unavailable',
      title: 'Service Unavailable',
    },
  ];

  it('carries an unavailable dependency’s safe details as extensions', () => {
    const problem = answer(new DependencyUnavailableError('Not ready.', { failing: ['redis'] }));

    assert.equal(problem.status, 503);
    assert.deepEqual(problem.body.failing, ['redis']);
  });

  it('has a test case for every kind the table maps', () => {
    assert.deepEqual(cases.map((c) => c.kind).sort(), Object.keys(DOMAIN_ERROR_ANSWERS).sort());
  });

  for (const { kind, error, status, type, title, extensions } of cases) {
    it(`answers ${kind} with ${status} ${type}, the message as detail`, () => {
      assert.equal(error.kind, kind);

      const problem = answer(error);

      assert.equal(problem.status, status);
      assert.equal(problem.headers['Content-Type'], 'application/problem+json');
      assert.equal(problem.headers['Cache-Control'], 'no-store');
      assert.deepEqual(problem.body, {
        ...extensions,
        type: `${PROBLEM_BASE}${type}`,
        title,
        status,
        detail: error.message,
        instance: ctx.instance,
        correlationId: ctx.correlationId,
      });
      assert.ok(isAnswer(error));
    });
  }

  it('lists the fields of invalid input as `errors`, shaped like a BadRequestError', () => {
    const fields = [
      { path: 'body.expiresAt', message: 'must be in the future' },
      { path: 'body.permissions.0', message: 'not yours to delegate' },
    ];

    const fromDomain = answer(new InvalidInputError('The key cannot be created.', fields));
    const fromHttp = answer(new BadRequestError('The key cannot be created.', fields));

    assert.deepEqual(fromDomain.body.errors, fields);
    assert.deepEqual(fromDomain, fromHttp);
  });

  it('asks for Bearer credentials on a failed authentication', () => {
    const problem = answer(new AuthenticationFailedError('The token is not valid.'));

    assert.equal(problem.headers['WWW-Authenticate'], 'Bearer');
  });

  for (const code of [
    'invalid-credentials',
    'second-factor-required',
    'invalid-second-factor',
    'step-up-required',
  ]) {
    it(`makes the code ${code} of a failed authentication the problem type`, () => {
      const problem = answer(new AuthenticationFailedError('Try again.', code));

      assert.equal(problem.status, 401);
      assert.equal(problem.body.type, `${PROBLEM_BASE}${code}`);
      assert.equal(problem.body.title, 'Unauthorized');
      assert.equal(problem.body.detail, 'Try again.');
      assert.equal(problem.headers['WWW-Authenticate'], 'Bearer');
    });
  }

  it('keeps the type of the kind for a code on any other kind', () => {
    const problem = answer(new ConflictingStateError('Already enrolled.', 'already-enrolled'));

    assert.equal(problem.body.type, `${PROBLEM_BASE}conflict`);
  });

  it('answers an unknown error with a 500 that reveals nothing, and does not count it as an answer', () => {
    const error = new TypeError('Cannot read properties of undefined (reading "secret-table-name")');

    const problem = answer(error);

    assert.equal(isAnswer(error), false);
    assert.equal(problem.status, 500);
    assert.deepEqual(problem.headers, {
      'Cache-Control': 'no-store',
      'Content-Type': 'application/problem+json',
    });
    assert.equal(problem.body.type, `${PROBLEM_BASE}internal`);
    assert.equal(problem.body.title, 'Internal Server Error');
    assert.doesNotMatch(JSON.stringify(problem.body), /secret-table-name|TypeError|undefined/);
  });

  it('answers a thrown non-Error the same way', () => {
    assert.equal(answer('just a string').status, 500);
    assert.equal(answer(undefined).status, 500);
  });
});
