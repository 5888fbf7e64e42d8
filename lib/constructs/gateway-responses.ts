import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';

const PROBLEM = 'https://nimbus.dev/problems/';

/**
 * Responses API Gateway produces itself (no Lambda ran), rewritten to problem+json with the
 * request id as the body's correlation id and marked not cacheable, so that a client sees one
 * error format whoever answered.
 */
const RESPONSES: ReadonlyArray<{
  type: ResponseType;
  status: number;
  slug: string;
  title: string;
  /** Fixed, client-facing; API Gateway's own message can be null or say too little. */
  detail: string;
}> = [
  // An unknown path on a REST API surfaces as "missing authentication token": it is a 404.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    slug: 'not-found',
    title: 'Not Found',
    detail: 'No route matches this path.',
  },
  {
    type: ResponseType.UNAUTHORIZED,
    status: 401,
    slug: 'unauthorized',
    title: 'Unauthorized',
    detail: 'Authentication is required: send a valid Bearer token or x-api-key.',
  },
  {
    type: ResponseType.ACCESS_DENIED,
    status: 403,
    slug: 'forbidden',
    title: 'Forbidden',
    detail: 'The credentials do not allow this request.',
  },
  {
    type: ResponseType.AUTHORIZER_FAILURE,
    status: 500,
    slug: 'internal',
    title: 'Internal Server Error',
    detail: 'Authentication could not be checked. Quote the correlation id when reporting it.',
  },
  {
    type: ResponseType.THROTTLED,
    status: 429,
    slug: 'rate-limited',
    title: 'Too Many Requests',
    detail: 'The API request rate limit was exceeded; retry shortly.',
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    slug: 'payload-too-large',
    title: 'Payload Too Large',
    detail: 'The request is larger than the API accepts.',
  },
  {
    type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
    status: 415,
    slug: 'unsupported-media-type',
    title: 'Unsupported Media Type',
    detail: 'The content type is not supported.',
  },
  {
    type: ResponseType.BAD_REQUEST_PARAMETERS,
    status: 400,
    slug: 'bad-request',
    title: 'Bad Request',
    detail: 'A required request parameter is missing or invalid.',
  },
  {
    type: ResponseType.BAD_REQUEST_BODY,
    status: 400,
    slug: 'validation-failed',
    title: 'Request validation failed',
    detail: 'The request body is invalid.',
  },
  {
    type: ResponseType.DEFAULT_4XX,
    status: 400,
    slug: 'bad-request',
    title: 'Bad Request',
    detail: 'The request was refused.',
  },
  {
    type: ResponseType.DEFAULT_5XX,
    status: 502,
    slug: 'bad-gateway',
    title: 'Bad Gateway',
    detail: 'The API could not complete the request. Quote the correlation id when reporting it.',
  },
];

export function addProblemGatewayResponses(api: RestApi, corsOrigin: string): void {
  for (const response of RESPONSES) {
    // DEFAULT_* keep the status API Gateway chose; the others get the status of their meaning.
    const keepStatus =
      response.type === ResponseType.DEFAULT_4XX || response.type === ResponseType.DEFAULT_5XX;
    api.addGatewayResponse(`Problem${response.type.responseType}`, {
      type: response.type,
      ...(keepStatus ? {} : { statusCode: String(response.status) }),
      // The correlation id travels in the body only: `context.requestId` is not a documented
      // source for gateway response header values, so the mapping cannot be relied on.
      responseHeaders: {
        'Content-Type': "'application/problem+json'",
        'Cache-Control': "'no-store'",
        'Access-Control-Allow-Origin': `'${corsOrigin}'`,
      },
      templates: {
        'application/json': JSON.stringify({
          type: `${PROBLEM}${response.slug}`,
          title: response.title,
          // The DEFAULT_* families cover several statuses; the HTTP status line carries the real one.
          ...(keepStatus ? {} : { status: response.status }),
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
