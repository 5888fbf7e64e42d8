import { type ProblemKind, problemKind } from './http/problem-catalog.ts';

/**
 * Typed errors. Each maps to exactly one HTTP status and one problem `type`, taken from the
 * problem catalog (`http/problem-catalog.ts`); the mapping to a response happens in one place
 * (`http/problem.ts`). Anything that is neither an HttpError nor a DomainError is a 500 whose
 * detail says nothing about the cause.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class HttpError extends Error {
  readonly status: number;
  /** Short stable slug, becomes `https://nimbus.dev/problems/<type>`. */
  readonly type: string;
  readonly title: string;

  constructor(
    problem: ProblemKind,
    readonly detail?: string,
    /** Extra members of the problem document (RFC 9457 extensions). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    /** Extra response headers (Allow, Retry-After, WWW-Authenticate...). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? problem.title);
    this.name = new.target.name;
    this.status = problem.status;
    this.type = problem.slug;
    this.title = problem.title;
  }
}

export class BadRequestError extends HttpError {
  constructor(detail: string, errors: readonly FieldError[] = []) {
    super(problemKind('bad-request'), detail, errors.length > 0 ? { errors } : {});
  }
}

export class ValidationError extends HttpError {
  constructor(errors: readonly FieldError[]) {
    super(problemKind('validation-failed'), 'One or more fields are invalid.', {
      errors,
    });
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail = 'Authentication is required.', type = 'unauthorized') {
    // A refinement (`invalid-credentials`) keeps the status and title of `unauthorized`.
    super({ ...problemKind('unauthorized'), slug: type }, detail, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends HttpError {
  constructor(detail = 'You do not have permission to perform this action.') {
    super(problemKind('forbidden'), detail);
  }
}

export class NotFoundError extends HttpError {
  constructor(detail = 'The requested resource does not exist.') {
    super(problemKind('not-found'), detail);
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(allowed: readonly string[]) {
    super(
      problemKind('method-not-allowed'),
      `Allowed methods: ${allowed.join(', ')}.`,
      { allowed },
      { Allow: allowed.join(', ') },
    );
  }
}

export class ConflictError extends HttpError {
  constructor(detail: string) {
    super(problemKind('conflict'), detail);
  }
}

/** `If-Match` named a version of the resource that is no longer current. */
export class PreconditionFailedHttpError extends HttpError {
  constructor(detail: string) {
    super(problemKind('precondition-failed'), detail);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(problemKind('payload-too-large'), `The request body exceeds ${limitBytes} bytes.`, {
      limitBytes,
    });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(received: string | undefined) {
    super(
      problemKind('unsupported-media-type'),
      `Expected application/json, received ${received ? JSON.stringify(received) : 'no content type'}.`,
    );
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(retryAfterSeconds: number, scope: string, headers: Readonly<Record<string, string>> = {}) {
    super(
      problemKind('rate-limited'),
      `Rate limit for scope ${scope} exceeded; retry in ${retryAfterSeconds}s.`,
      { scope, retryAfter: retryAfterSeconds },
      { ...headers, 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

/**
 * An account-level budget of attempts is spent (not a request rate): a refinement of
 * `rate-limited` whose type names the budget (`second-factor-locked`), with Retry-After.
 */
export class AttemptsLockedError extends HttpError {
  constructor(detail: string, type: string, retryAfterSeconds: number) {
    super(
      { ...problemKind('rate-limited'), slug: type },
      detail,
      { retryAfter: retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(detail: string, extensions: Readonly<Record<string, unknown>> = {}) {
    super(problemKind('service-unavailable'), detail, extensions);
  }
}
