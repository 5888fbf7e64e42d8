import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  DependencyUnavailableError,
  DomainError,
  type DomainErrorKind,
  InvalidInputError,
  TooManyAttemptsError,
} from '../domain-errors.ts';
import {
  AttemptsLockedError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
  PreconditionFailedHttpError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../errors.ts';
import { problemKind, problemTypeUri } from './problem-catalog.ts';

export { PROBLEM_BASE } from './problem-catalog.ts';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemContext {
  /** The request path, becomes `instance`. */
  readonly instance: string;
  readonly correlationId: string;
}

/**
 * The one table from what a use case says went wrong to how HTTP answers it. A use case knows
 * nothing of statuses; each kind becomes the HttpError whose problem type it means, with the
 * error's message as the detail. Typed over every kind, so a new kind does not compile until it
 * has a row.
 */
export const DOMAIN_ERROR_ANSWERS: { readonly [K in DomainErrorKind]: (error: DomainError) => HttpError } = {
  'invalid-input': (error) =>
    new BadRequestError(error.message, error instanceof InvalidInputError ? error.fields : []),
  // The code (`second-factor-required`) is what a client branches on, so it becomes the type.
  'authentication-failed': (error) => new UnauthorizedError(error.message, error.code ?? 'unauthorized'),
  'not-permitted': (error) => new ForbiddenError(error.message),
  'not-found': (error) => new NotFoundError(error.message),
  conflict: (error) => new ConflictError(error.message),
  'precondition-failed': (error) => new PreconditionFailedHttpError(error.message),
  // A 429 whose type names the spent budget; Retry-After says when attempts are taken again.
  locked: (error) =>
    new AttemptsLockedError(
      error.message,
      error.code ?? 'rate-limited',
      error instanceof TooManyAttemptsError ? error.retryAfterSeconds : 60,
    ),
  unavailable: (error) =>
    new ServiceUnavailableError(
      error.message,
      error instanceof DependencyUnavailableError ? error.details : {},
    ),
};

/**
 * Whether an error is an *answer* (a problem the client caused or must hear about) rather than a
 * failure of ours: answers are not logged as failures, do not mark the trace as a fault and do
 * not make the response cache serve a stale copy.
 */
export function isAnswer(error: unknown): error is HttpError | DomainError {
  return error instanceof HttpError || error instanceof DomainError;
}

/** The RFC 9457 document for an error. Anything but an answer becomes a 500 that reveals nothing. */
export function problemOf(
  error: unknown,
  ctx: ProblemContext,
): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const answer = error instanceof DomainError ? DOMAIN_ERROR_ANSWERS[error.kind](error) : error;
  if (answer instanceof HttpError) {
    return {
      status: answer.status,
      headers: { ...answer.headers },
      body: {
        ...answer.extensions,
        type: problemTypeUri(answer.type),
        title: answer.title,
        status: answer.status,
        detail: answer.detail ?? answer.title,
        instance: ctx.instance,
        correlationId: ctx.correlationId,
      },
    };
  }
  const internal = problemKind('internal');
  return {
    status: internal.status,
    headers: {},
    body: {
      type: problemTypeUri(internal.slug),
      title: internal.title,
      status: internal.status,
      detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
      instance: ctx.instance,
      correlationId: ctx.correlationId,
    },
  };
}

export function problemResponse(error: unknown, ctx: ProblemContext): APIGatewayProxyResult {
  const problem = problemOf(error, ctx);
  return {
    statusCode: problem.status,
    // An error describes one request at one moment: no cache may store it.
    headers: { 'Cache-Control': 'no-store', ...problem.headers, 'Content-Type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problem.body),
  };
}
