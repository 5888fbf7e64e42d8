/**
 * Errors a use case throws. They say what went wrong in the domain's terms and know nothing of
 * HTTP: one table (`http/problem.ts`) maps each kind to a status and a problem document, so a use
 * case can run behind API Gateway, a queue or a state machine alike.
 */
export type DomainErrorKind =
  | 'invalid-input'
  | 'authentication-failed'
  | 'not-permitted'
  | 'not-found'
  | 'conflict'
  | 'precondition-failed'
  | 'locked'
  | 'unavailable';

export interface FieldIssue {
  /** Where the bad value is, as the caller sent it: `body.expiresAt`. */
  readonly path: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(
    message: string,
    /**
     * A stable, more specific reason a client may branch on (`second-factor-required`); becomes
     * the problem `type` where the table allows it.
     */
    readonly code?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is well-formed but not acceptable (a date in the past, ...). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input';

  constructor(
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** Credentials, a token or a second factor did not prove who the caller is. */
export class AuthenticationFailedError extends DomainError {
  readonly kind = 'authentication-failed';
}

/** The caller is known but may not do this. */
export class NotPermittedError extends DomainError {
  readonly kind = 'not-permitted';
}

/** The thing does not exist, or not for this caller (never say which). */
export class ResourceNotFoundError extends DomainError {
  readonly kind = 'not-found';
}

/** The request contradicts the current state (email taken, already enrolled, ...). */
export class ConflictingStateError extends DomainError {
  readonly kind = 'conflict';
}

/**
 * The caller made the change conditional on a version of the resource (`If-Match`) that is no
 * longer the current one: nothing was changed; re-read, then decide again.
 */
export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition-failed';
}

/**
 * The caller spent a budget of attempts (wrong second-factor codes, ...): every attempt is refused,
 * right or wrong, until `retryAfterSeconds` have passed. `code` names the budget
 * (`second-factor-locked`).
 */
export class TooManyAttemptsError extends DomainError {
  readonly kind = 'locked';

  constructor(
    message: string,
    code: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, code);
  }
}

/**
 * Something the use case depends on (Redis, a table) did not answer: nothing was done, and the
 * caller may retry. `details` are safe to show (check names, never causes).
 */
export class DependencyUnavailableError extends DomainError {
  readonly kind = 'unavailable';

  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}
