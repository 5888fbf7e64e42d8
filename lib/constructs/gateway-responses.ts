import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { SECURITY_HEADERS } from '../../functions/shared/http/headers.ts';
import {
  type ProblemSlug,
  problemKind,
  problemTypeUri,
} from '../../functions/shared/http/problem-catalog.ts';

/**
 * Responses API Gateway produces itself (no Lambda ran), rewritten to problem+json with the
 * request id as the body's correlation id and marked not cacheable, so that a client sees one
 * error format whoever answered.
 */
const RESPONSES: ReadonlyArray<{
  type: ResponseType;
  /** Status and title come from the functions' problem catalog. */
  problem: ProblemSlug;
  /** Fixed, client-facing; API Gateway's own message can be null or say too little. */
  detail: string;
}> = [
  // An unknown path on a REST API surfaces as "missing authentication token": it is a 404.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    problem: 'not-found',
    detail: 'No route matches this path.',
  },
  {
    type: ResponseType.UNAUTHORIZED,
    problem: 'unauthorized',
    detail: 'Authentication is required: send a valid Bearer token or x-api-key.',
  },
  {
    type: ResponseType.ACCESS_DENIED,
    problem: 'forbidden',
    detail: 'The credentials do not allow this request.',
  },
  {
    type: ResponseType.AUTHORIZER_FAILURE,
    problem: 'internal',
    detail: 'Authentication could not be checked. Quote the correlation id when reporting it.',
  },
  {
    type: ResponseType.THROTTLED,
    problem: 'rate-limited',
    detail: 'The API request rate limit was exceeded; retry shortly.',
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    problem: 'payload-too-large',
    detail: 'The request is larger than the API accepts.',
  },
  {
    type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
    problem: 'unsupported-media-type',
    detail: 'The content type is not supported.',
  },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    problem: 'bad-request',
    detail: 'A required request parameter is missing or invalid.',
  },
  {
    type: ResponseType.BAD_REQUEST_BODY,
    problem: 'validation-failed',
    detail: 'The request body is invalid.',
  },
  {
    type: ResponseType.DEFAULT_4XX,
    problem: 'bad-request',
    detail: 'The request was refused.',
  },
  {
    type: ResponseType.DEFAULT_5XX,
    problem: 'bad-gateway',
    detail: 'The API could not complete the request. Quote the correlation id when reporting it.',
  },
];

/**
 * A static gateway-response header value: enclosed in single quotes, which also mark the end of
 * the literal, so quotes inside it (the CSP's `'none'`) are escaped with a backslash.
 */
export function staticHeaderValue(value: string): string {
  return `'${value.replaceAll("'", "\\'")}'`;
}

/** The functions' security headers, the same values whoever answered (`functions/shared/http/headers.ts`). */
const SECURITY_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SECURITY_HEADERS).map(([name, value]) => [name, staticHeaderValue(value)]),
);

export function addProblemGatewayResponses(api: RestApi, corsOrigin: string): void {
  for (const response of RESPONSES) {
    const problem = problemKind(response.problem);
    // DEFAULT_* keep the status API Gateway chose; the others get the status of their meaning.
    const keepStatus =
      response.type === ResponseType.DEFAULT_4XX || response.type === ResponseType.DEFAULT_5XX;
    api.addGatewayResponse(`Problem${response.type.responseType}`, {
      type: response.type,
      ...(keepStatus ? {} : { statusCode: String(problem.status) }),
      // The correlation id travels in the body only: `context.requestId` is not a documented
      // source for gateway response header values, so the mapping cannot be relied on.
      responseHeaders: {
        ...SECURITY_RESPONSE_HEADERS,
        'Content-Type': "'application/problem+json'",
        'Cache-Control': "'no-store'",
        'Access-Control-Allow-Origin': `'${corsOrigin}'`,
      },
      templates: {
        'application/json': JSON.stringify({
          type: problemTypeUri(problem.slug),
          title: problem.title,
          // The DEFAULT_* families cover several statuses; the HTTP status line carries the real one.
          ...(keepStatus ? {} : { status: problem.status }),
          detail: response.detail,
          // The resource template (e.g. /v1/keys/{keyId}): the one path variable every gateway
          // response can render, on AWS and on the local emulator alike.
          instance: '$context.resourcePath',
          correlationId: '$context.requestId',
        }),
      },
    });
  }
}
