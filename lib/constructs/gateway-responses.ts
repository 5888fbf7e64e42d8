import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';

const PROBLEM = 'https://nimbus.dev/problems/';

/**
 * Responses API Gateway produces itself (no Lambda ran), rewritten to problem+json with the
 * request id as the body's correlation id and marked not cacheable, so that a client sees one
 * error format whoever answered.
 */
const RESPONSES: ReadonlyArray<{ type: ResponseType; status: number; slug: string; title: string }> = [
  // An unknown path on a REST API surfaces as "missing authentication token": it is a 404.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, slug: 'not-found', title: 'Not Found' },
  { type: ResponseType.UNAUTHORIZED, status: 401, slug: 'unauthorized', title: 'Unauthorized' },
  { type: ResponseType.ACCESS_DENIED, status: 403, slug: 'forbidden', title: 'Forbidden' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: 500, slug: 'internal', title: 'Internal Server Error' },
  { type: ResponseType.THROTTLED, status: 429, slug: 'rate-limited', title: 'Too Many Requests' },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    slug: 'payload-too-large',
    title: 'Payload Too Large',
  },
  {
    type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
    status: 415,
    slug: 'unsupported-media-type',
    title: 'Unsupported Media Type',
  },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, slug: 'bad-request', title: 'Bad Request' },
  {
    type: ResponseType.BAD_REQUEST_BODY,
    status: 400,
    slug: 'validation-failed',
    title: 'Request validation failed',
  },
  { type: ResponseType.DEFAULT_4XX, status: 400, slug: 'bad-request', title: 'Bad Request' },
  { type: ResponseType.DEFAULT_5XX, status: 502, slug: 'bad-gateway', title: 'Bad Gateway' },
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
          detail: '$context.error.messageString',
          instance: '$context.path',
          correlationId: '$context.requestId',
        }).replace('"$context.error.messageString"', '$context.error.messageString'),
      },
    });
  }
}
