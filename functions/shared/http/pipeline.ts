import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { recordsRequestMetrics } from '../config/bundle.ts';
import { httpSettingsFromEnv } from '../config/http.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { routeClassOf } from '../metrics/request-histogram.ts';
import type { RequestRecorder } from '../metrics/request-recorder.ts';
import { annotateTrace, logger, metrics, recordSli, tracer } from '../observability.ts';
import { parseJsonBody } from './body.ts';
import { corsHeaders, lowerCaseHeaders, mergeVary, SECURITY_HEADERS } from './headers.ts';
import { hasPermission, type Principal, principalFrom } from './principal.ts';
import { isAnswer, problemResponse } from './problem.ts';
import type { RouteBody, RouteDef, RouteParams, RouteQuery } from './route.ts';
import { validatePart } from './validate.ts';

const { corsOrigins: CORS_ORIGINS, maxBodyBytes: MAX_BODY_BYTES } = httpSettingsFromEnv();
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller as a route sees it: never null where the row says `auth: 'principal'`, because the
 * pipeline answers 401 before the route runs.
 */
export type RoutePrincipal<R extends RouteDef> = R['auth'] extends 'principal' ? Principal : Principal | null;

export interface HttpRequest<R extends RouteDef> {
  readonly route: R;
  readonly body: RouteBody<R>;
  readonly query: RouteQuery<R>;
  readonly params: RouteParams<R>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly principal: RoutePrincipal<R>;
  readonly correlationId: string;
  readonly event: APIGatewayProxyEvent;
}

export interface HttpResult {
  readonly status?: number;
  /** Serialised as JSON unless `rawBody` is set. */
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteImpl<R extends RouteDef> = (request: HttpRequest<R>) => Promise<HttpResult>;

interface RequestState {
  correlationId: string;
  headers: Record<string, string>;
  /** `performance.now()` when the envelope first saw the request. */
  startedAt: number;
}

type NimbusContext = Context & { nimbus?: RequestState };

/**
 * The pipeline's one error path: every error that ends a request becomes its problem response
 * here. An answer (HttpError, DomainError) is a rejection, logged at debug; anything else is a
 * failure of ours, logged as an error, and its problem is the 500 that reveals nothing.
 */
function errorResponse(
  error: unknown,
  event: APIGatewayProxyEvent,
  correlationId: string,
): APIGatewayProxyResult {
  const response = problemResponse(error, { instance: event.path ?? '/', correlationId });
  if (isAnswer(error)) {
    logger.debug('request rejected', { status: response.statusCode, reason: error.message });
  } else {
    logger.error('request failed', { error, path: event.path });
  }
  return response;
}

/**
 * Runs `work` and answers an expected error through `errorResponse`, so that it never sets
 * middy's `request.error` (the Tracer would record every 4xx as a fault) and never looks like a
 * loader failure to the response cache (which would serve a stale copy). An unexpected error
 * propagates to whichever of the two should see it.
 */
async function answering(
  work: () => Promise<APIGatewayProxyResult>,
  event: APIGatewayProxyEvent,
  correlationId: string,
): Promise<APIGatewayProxyResult> {
  try {
    return await work();
  } catch (error) {
    if (!isAnswer(error)) throw error;
    return errorResponse(error, event, correlationId);
  }
}

/**
 * Correlation id, headers, the per-request metric and the mapping of *unexpected* errors in one
 * middleware: it must see the final response whichever way the request ended, which middy's
 * reverse onError order would not give two separate middlewares. Expected errors (HttpError,
 * DomainError) never get here as errors: `core` answers them, so they leave through `after` like
 * any response.
 */
function httpEnvelope(
  route: RouteDef,
  recorder: Promise<RequestRecorder | undefined>,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, NimbusContext> {
  const decorate = (response: APIGatewayProxyResult, state: RequestState): void => {
    const cors = corsHeaders(CORS_ORIGINS, state.headers.origin);
    // The route's Vary (a cached per-principal answer varies by credential) and CORS's (Origin)
    // both hold: merged, never one overwriting the other.
    const routeVary = response.headers?.Vary;
    const vary = routeVary === undefined ? cors.Vary : mergeVary(cors.Vary, routeVary);
    response.headers = {
      ...SECURITY_HEADERS,
      ...cors,
      ...response.headers,
      ...(vary === undefined ? {} : { Vary: vary }),
      'x-correlation-id': state.correlationId,
    };
  };
  // Last thing before the response leaves, so the latency covers everything the route did. The
  // recorder bounds its own write (`request-recorder.ts`) and never throws.
  const record = async (status: number, state: RequestState): Promise<void> => {
    const ms = performance.now() - state.startedAt;
    recordSli(routeClassOf(route.auth), status, ms);
    await (await recorder)?.record({
      routeId: route.id,
      routeClass: routeClassOf(route.auth),
      status,
      ms,
      at: Date.now(),
    });
  };
  return {
    before: (request) => {
      const headers = lowerCaseHeaders(request.event.headers);
      const incoming = headers['x-correlation-id'];
      const correlationId = incoming !== undefined && CORRELATION_ID.test(incoming) ? incoming : randomUUID();
      request.context.nimbus = { correlationId, headers, startedAt: performance.now() };
      logger.appendKeys({ correlation_id: correlationId });
      tracer?.putAnnotation('correlationId', correlationId);
    },
    after: async (request) => {
      if (request.response && request.context.nimbus) {
        decorate(request.response, request.context.nimbus);
        await record(request.response.statusCode, request.context.nimbus);
      }
    },
    // Whatever reaches here also reaches the Tracer's onError, which marks the trace as a fault.
    onError: async (request) => {
      const state = request.context.nimbus ?? {
        correlationId: randomUUID(),
        headers: {},
        startedAt: performance.now(),
      };
      const response = errorResponse(request.error, request.event, state.correlationId);
      decorate(response, state);
      request.response = response;
      await record(response.statusCode, state);
    },
  };
}

/**
 * The function's own metrics (cold start, fallbacks, what a route adds), published after the
 * request only when it stored some: a plain request's one metrics line is its SLI line
 * (`recordSli`), and Powertools' `logMetrics` would warn "No application metrics to publish" on
 * every such request (bench §2: one EMF line per request instead of two).
 */
function functionMetrics(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const publish = (): void => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: (request) => {
      metrics.captureColdStartMetric(request.context.functionName);
    },
    after: publish,
    onError: publish,
  };
}

/** The caller, checked against the row: 401 without one on an authenticated route, 403 without its permission. */
function authorize<R extends RouteDef>(route: R, event: APIGatewayProxyEvent): RoutePrincipal<R> {
  const principal = principalFrom(event);
  if (route.auth === 'principal') {
    if (principal === null) throw new UnauthorizedError();
    if (route.permission !== null && !hasPermission(principal, route.permission)) throw new ForbiddenError();
  }
  // TypeScript does not narrow a conditional type over a generic R; the checks above make it hold.
  return principal as RoutePrincipal<R>;
}

function toResult(result: HttpResult): APIGatewayProxyResult {
  const isRaw = result.rawBody !== undefined;
  const hasBody = isRaw || result.body !== undefined;
  return {
    statusCode: result.status ?? (hasBody ? 200 : 204),
    headers: {
      'Cache-Control': 'no-store',
      ...(hasBody ? { 'Content-Type': result.contentType ?? 'application/json' } : {}),
      ...result.headers,
    },
    body: isRaw ? (result.rawBody ?? '') : hasBody ? JSON.stringify(result.body) : '',
  };
}

/** A stage the row asks for but the bundle was built without: `assertBundled` stops that at init. */
function unbundled(route: RouteDef, stage: string): never {
  throw new Error(`Route ${route.id} needs ${stage}, but its function was bundled without it`);
}

/**
 * Fails the cold start when the row needs a stage its bundle left out (a bundle built for another
 * row): a route must never run without its rate limit or serve uncached by accident.
 */
function assertBundled(route: RouteDef): void {
  if (process.env.NIMBUS_BUNDLE_RATE_LIMIT === 'off' && route.rateLimit.length > 0) {
    unbundled(route, 'the rate limiter');
  }
  if (process.env.NIMBUS_BUNDLE_RESPONSE_CACHE === 'off' && route.cache !== null && route.method === 'GET') {
    unbundled(route, 'the response cache');
  }
}

export interface HttpHandlerOptions {
  /**
   * Where the request's latency is recorded. @default the shared Redis recorder on rows with the
   * `redis` need (`recordsRequestMetrics`), none on the others
   */
  readonly requestMetrics?: RequestRecorder;
}

/** The row's recorder, loaded at init; a constant-folded branch leaves it out of bundles without it. */
function recorderFor(route: RouteDef, options: HttpHandlerOptions): Promise<RequestRecorder | undefined> {
  if (options.requestMetrics !== undefined) return Promise.resolve(options.requestMetrics);
  // The literal test first: esbuild folds it, and drops the import with the branch.
  if (process.env.NIMBUS_BUNDLE_REQUEST_METRICS !== 'off' && recordsRequestMetrics(route)) {
    return import('../metrics/request-recorder.ts').then(
      (module) => module.requestRecorder,
      (error: unknown) => {
        logger.error('request metrics unavailable', { error });
        return undefined;
      },
    );
  }
  return Promise.resolve(undefined);
}

/**
 * Wraps a route implementation in the shared pipeline: Tracer, Logger, Metrics, envelope
 * (correlation id, problem+json, headers, the request's latency into the shared histograms), then
 * body parsing, validation and the permission check.
 */
export function httpHandler<R extends RouteDef>(
  route: R,
  impl: RouteImpl<R>,
  options: HttpHandlerOptions = {},
) {
  assertBundled(route);
  const recorder = recorderFor(route, options);
  const core = async (
    event: APIGatewayProxyEvent,
    context: NimbusContext,
  ): Promise<APIGatewayProxyResult> => {
    const state = context.nimbus as RequestState;
    return answering(() => serve(event, state), event, state.correlationId);
  };

  const serve = async (event: APIGatewayProxyEvent, state: RequestState): Promise<APIGatewayProxyResult> => {
    const principal = authorize(route, event);
    if (tracer) {
      annotateTrace({
        route: route.id,
        principal: principal?.kind ?? 'anonymous',
        ...(principal?.orgId ? { org: principal.orgId } : {}),
      });
    }
    const spec = route.request ?? {};
    // Only routes that declare a body read one; a stray body on a GET is ignored, not parsed.
    const body = spec.body
      ? validatePart(
          spec.body,
          parseJsonBody(event.body, event.isBase64Encoded, state.headers['content-type'], MAX_BODY_BYTES),
          'body',
        )
      : undefined;
    const request: HttpRequest<R> = {
      route,
      body: body as RouteBody<R>,
      query: (spec.query
        ? validatePart(spec.query, event.queryStringParameters ?? {}, 'query')
        : undefined) as RouteQuery<R>,
      params: (spec.params
        ? validatePart(spec.params, event.pathParameters ?? {}, 'params')
        : undefined) as RouteParams<R>,
      headers: state.headers,
      principal,
      correlationId: state.correlationId,
      event,
    };
    // Scopes keyed by account read the validated body, so limiting comes after validation. The
    // `NIMBUS_BUNDLE_*` tests are constants in a bundle (config/bundle.ts): a row without the
    // stage gets a bundle without its modules.
    const limits =
      process.env.NIMBUS_BUNDLE_RATE_LIMIT !== 'off' && route.rateLimit.length > 0
        ? await (await import('../ratelimit/route-limits.ts')).enforceRouteLimits(route, {
            sourceIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
            principal,
            body,
          })
        : undefined;
    const result =
      process.env.NIMBUS_BUNDLE_RESPONSE_CACHE !== 'off' && route.cache && route.method === 'GET'
        ? await serveCached(route, request, state)
        : toResult(await impl(request));
    if (limits) {
      await limits.onSuccess();
      result.headers = { ...limits.headers, ...result.headers };
    }
    return result;
  };

  /** GET routes with a cache policy answer through the shared response cache (ETag, 304). */
  const serveCached = async (cached: R, request: HttpRequest<R>, state: RequestState) => {
    const { cachedResponse, flushStats } =
      process.env.NIMBUS_BUNDLE_RESPONSE_CACHE !== 'off'
        ? await import('../cache/response-cache.ts')
        : unbundled(cached, 'the response cache');
    const response = await cachedResponse(
      cached,
      {
        apiId: request.event.requestContext?.apiId ?? '-',
        path: request.event.path,
        // Validated: only what the route declares can make a copy of its own.
        query: request.query as Readonly<Record<string, unknown>> | undefined,
        principal: request.principal,
        ifNoneMatch: state.headers['if-none-match'],
      },
      // An expected error is an answer, not a loader failure: it must not trigger stale serving.
      () => answering(async () => toResult(await impl(request)), request.event, state.correlationId),
    );
    await flushStats();
    return response;
  };

  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, NimbusContext>();
  if (tracer) chain.use(captureLambdaHandler(tracer, { captureResponse: false }));
  const handler = chain
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(functionMetrics())
    .use(httpEnvelope(route, recorder))
    .handler(core);
  // The row the handler was built from, readable by tests: each handler module must serve the
  // row that names it as its entry file (test/unit/platform/handler-routes.test.ts).
  return Object.assign(handler, { route });
}
