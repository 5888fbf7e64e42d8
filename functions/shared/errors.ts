/**
 * Typed errors. Each maps to exactly one HTTP status and one problem `type`; the mapping to a
 * response happens in one place (`http/problem.ts`). Anything that is not an HttpError is a 500
 * whose detail says nothing about the cause.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** Short stable slug, becomes `https://nimbus.dev/problems/<type>`. */
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    /** Extra members of the problem document (RFC 9457 extensions). */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    /** Extra response headers (Allow, Retry-After, WWW-Authenticate...). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? title);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(detail: string, errors: readonly FieldError[] = []) {
    super(400, 'bad-request', 'Bad Request', detail, errors.length > 0 ? { errors } : {});
  }
}

export class ValidationError extends HttpError {
  constructor(errors: readonly FieldError[]) {
    super(400, 'validation-failed', 'Request validation failed', 'One or more fields are invalid.', {
      errors,
    });
  }
}

export class UnauthorizedError extends HttpError {
  constructor(detail = 'Authentication is required.', type = 'unauthorized') {
    super(401, type, 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends HttpError {
  constructor(detail = 'You do not have permission to perform this action.') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends HttpError {
  constructor(detail = 'The requested resource does not exist.') {
    super(404, 'not-found', 'Not Found', detail);
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(allowed: readonly string[]) {
    super(
      405,
      'method-not-allowed',
      'Method Not Allowed',
      `Allowed methods: ${allowed.join(', ')}.`,
      { allowed },
      { Allow: allowed.join(', ') },
    );
  }
}

export class ConflictError extends HttpError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, 'payload-too-large', 'Payload Too Large', `The request body exceeds ${limitBytes} bytes.`, {
      limitBytes,
    });
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(received: string | undefined) {
    super(
      415,
      'unsupported-media-type',
      'Unsupported Media Type',
      `Expected application/json, received ${received ? JSON.stringify(received) : 'no content type'}.`,
    );
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(retryAfterSeconds: number, scope: string, headers: Readonly<Record<string, string>> = {}) {
    super(
      429,
      'rate-limited',
      'Too Many Requests',
      `Rate limit for scope ${scope} exceeded; retry in ${retryAfterSeconds}s.`,
      { scope, retryAfter: retryAfterSeconds },
      { ...headers, 'Retry-After': String(retryAfterSeconds) },
    );
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(detail: string, extensions: Readonly<Record<string, unknown>> = {}) {
    super(503, 'service-unavailable', 'Service Unavailable', detail, extensions);
  }
}
