import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError, InvalidInputError } from '../domain-errors.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
  UnauthorizedError,
} from '../errors.ts';

export const PROBLEM_BASE = 'https://nimbus.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemContext {
  /** The request path, becomes `instance`. */
  readonly instance: string;
  readonly correlationId: string;
}

/** A use case's domain error as the HTTP error it means: the status follows the error's kind. */
function httpErrorOf(error: DomainError): HttpError {
  switch (error.kind) {
    case 'invalid-input':
      return new BadRequestError(error.message, error instanceof InvalidInputError ? error.fields : []);
    case 'authentication-failed':
      return new UnauthorizedError(error.message, error.code);
    case 'not-permitted':
      return new ForbiddenError(error.message);
    case 'not-found':
      return new NotFoundError(error.message);
    case 'conflict':
      return new ConflictError(error.message);
  }
}

/** The RFC 9457 document for an error. Anything but an HttpError or a DomainError becomes a 500 that reveals nothing. */
export function problemOf(
  thrown: unknown,
  ctx: ProblemContext,
): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const error = thrown instanceof DomainError ? httpErrorOf(thrown) : thrown;
  if (error instanceof HttpError) {
    return {
      status: error.status,
      headers: { ...error.headers },
      body: {
        ...error.extensions,
        type: `${PROBLEM_BASE}${error.type}`,
        title: error.title,
        status: error.status,
        detail: error.detail ?? error.title,
        instance: ctx.instance,
        correlationId: ctx.correlationId,
      },
    };
  }
  return {
    status: 500,
    headers: {},
    body: {
      type: `${PROBLEM_BASE}internal`,
      title: 'Internal Server Error',
      status: 500,
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
