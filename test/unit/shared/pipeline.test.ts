import assert from 'node:assert/strict';
import { afterEach, before, describe, it, mock } from 'node:test';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import { ConflictingStateError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import { NotFoundError, TooManyRequestsError } from '#shared/errors.ts';
import { SECURITY_HEADERS } from '#shared/http/headers.ts';
import type { HttpRequest } from '#shared/http/pipeline.ts';
import { defineRoute, routeBuilders } from '#shared/http/route.ts';
import {
  authorizerContext,
  headersOf,
  type Invoke,
  invoker,
  jsonOf,
  quietPowertools,
  restEvent,
} from '../../support/apigw.ts';

// Small on purpose, so that the 413 cases need no megabyte strings. The pipeline reads it at
// module scope, hence the dynamic import in `before`.
const MAX_BODY_BYTES = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM_BASE = 'https://nimbus.dev/problems/';

const createWidget = defineRoute({
  id: 'widgets.create',
  method: 'POST',
  path: '/v1/widgets',
  handler: 'functions/widgets/handlers/create.ts',
  summary: 'Create a widget',
  tags: ['widgets'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  request: {
    body: z.object({
      name: z.string().min(1),
      email: z.email(),
      tags: z.array(z.string()).max(3).default([]),
    }),
  },
  responses: { 200: { description: 'Created' } },
});

const getWidget = defineRoute({
  id: 'widgets.get',
  method: 'GET',
  path: '/v1/widgets/{widgetId}',
  handler: 'functions/widgets/handlers/get.ts',
  summary: 'Read a widget',
  tags: ['widgets'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  request: {
    params: z.object({ widgetId: z.string().regex(/^w_[a-z0-9]+$/) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
  },
  responses: { 200: { description: 'The widget' } },
});

const listKeys = defineRoute({
  id: 'keys.list',
  method: 'GET',
  path: '/v1/keys',
  handler: 'functions/keys/handlers/list.ts',
  summary: 'List API keys',
  tags: ['keys'],
  auth: 'principal',
  permission: 'keys:read',
  rateLimit: [],
  cache: null,
  responses: { 200: { description: 'Keys' } },
});

const createKey = defineRoute({
  id: 'keys.create',
  method: 'POST',
  path: '/v1/keys',
  handler: 'functions/keys/handlers/create.ts',
  summary: 'Create an API key',
  tags: ['keys'],
  auth: 'principal',
  permission: 'keys:write',
  rateLimit: [],
  cache: null,
  request: { body: z.object({ label: z.string().min(1) }) },
  responses: { 200: { description: 'Created' } },
});

const deleteWidget = defineRoute({
  id: 'widgets.delete',
  method: 'DELETE',
  path: '/v1/widgets/{widgetId}',
  handler: 'functions/widgets/handlers/delete.ts',
  summary: 'Delete a widget',
  tags: ['widgets'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  request: { params: z.object({ widgetId: z.string() }) },
  responses: { 204: { description: 'Deleted' } },
});

const SECRET = 'postgres://admin:hunter2@db.internal:5432/nimbus';

let seenCreate: HttpRequest<typeof createWidget> | undefined;
let seenGet: HttpRequest<typeof getWidget> | undefined;
let seenKeys: HttpRequest<typeof listKeys> | undefined;

interface Handlers {
  readonly create: Invoke;
  readonly get: Invoke;
  readonly listKeys: Invoke;
  readonly createKey: Invoke;
  readonly remove: Invoke;
  readonly crash: Invoke;
  readonly rateLimited: Invoke;
}
let handlers: Handlers;
let pipeline: typeof import('#shared/http/pipeline.ts');
let observability: typeof import('#shared/observability.ts');

before(async () => {
  quietPowertools();
  process.env.NIMBUS_MAX_BODY_BYTES = String(MAX_BODY_BYTES);
  delete process.env.NIMBUS_CORS_ORIGINS;
  pipeline = await import('#shared/http/pipeline.ts');
  observability = await import('#shared/observability.ts');
  const { httpHandler } = pipeline;
  handlers = {
    create: invoker(
      httpHandler(createWidget, async (request) => {
        seenCreate = request;
        return { body: { received: request.body } };
      }),
    ),
    get: invoker(
      httpHandler(getWidget, async (request) => {
        seenGet = request;
        return { body: { id: request.params.widgetId, limit: request.query.limit } };
      }),
    ),
    listKeys: invoker(
      httpHandler(listKeys, async (request) => {
        seenKeys = request;
        return { body: { keys: [] } };
      }),
    ),
    createKey: invoker(httpHandler(createKey, async (request) => ({ body: request.body }))),
    remove: invoker(httpHandler(deleteWidget, async () => ({}))),
    crash: invoker(
      httpHandler(getWidget, async () => {
        throw new Error(`connection to ${SECRET} refused`);
      }),
    ),
    rateLimited: invoker(
      httpHandler(getWidget, async () => {
        throw new TooManyRequestsError(30, 'ip');
      }),
    ),
  };
});

const widgetEvent = (options: Parameters<typeof restEvent>[0] = {}) =>
  restEvent({ method: 'POST', path: '/v1/widgets', resource: '/v1/widgets', ...options });

const getEvent = (widgetId: string, query?: Record<string, string>) =>
  restEvent({
    method: 'GET',
    path: `/v1/widgets/${widgetId}`,
    resource: '/v1/widgets/{widgetId}',
    pathParameters: { widgetId },
    ...(query ? { query } : {}),
  });

const keysEvent = (authorizer?: Record<string, string>) =>
  restEvent({ method: 'GET', path: '/v1/keys', resource: '/v1/keys', ...(authorizer ? { authorizer } : {}) });

function assertProblem(
  response: APIGatewayProxyResult,
  status: number,
  type: string,
): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(headersOf(response)['content-type'], 'application/problem+json');
  const problem = jsonOf(response);
  assert.equal(problem.type, `${PROBLEM_BASE}${type}`);
  assert.equal(problem.status, status);
  return problem;
}

function fieldPaths(problem: Record<string, unknown>): string[] {
  const errors = problem.errors as ReadonlyArray<{ path: string; message: string }>;
  return errors.map((error) => error.path);
}

describe('httpHandler: JSON bodies', () => {
  it('passes the parsed, validated body to the route and answers 200 JSON', async () => {
    const event = widgetEvent({ json: { name: 'Ada', email: 'ada@example.com' } });

    const response = await handlers.create(event);

    assert.equal(response.statusCode, 200);
    assert.equal(headersOf(response)['content-type'], 'application/json');
    // The schema's default is applied: the route sees the validated output, not the raw JSON.
    assert.deepEqual(jsonOf(response), { received: { name: 'Ada', email: 'ada@example.com', tags: [] } });
    assert.deepEqual(seenCreate?.body, { name: 'Ada', email: 'ada@example.com', tags: [] });
  });

  it('decodes a base64-encoded body before parsing it', async () => {
    const event = widgetEvent({ json: { name: 'Grace', email: 'grace@example.com' }, base64: true });
    assert.equal(event.isBase64Encoded, true);

    const response = await handlers.create(event);

    assert.equal(response.statusCode, 200);
    assert.deepEqual(jsonOf(response).received, { name: 'Grace', email: 'grace@example.com', tags: [] });
  });

  it('accepts JSON media types with parameters and the +json suffix', async () => {
    for (const contentType of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.nimbus+json',
    ]) {
      const event = widgetEvent({
        json: { name: 'Ada', email: 'ada@example.com' },
        headers: { 'Content-Type': contentType },
      });

      const response = await handlers.create(event);

      assert.equal(response.statusCode, 200, `${contentType}: ${response.body}`);
    }
  });

  it('answers 400 problem+json for malformed JSON', async () => {
    const event = widgetEvent({ body: '{"name": "Ada",', headers: { 'Content-Type': 'application/json' } });

    const response = await handlers.create(event);

    const problem = assertProblem(response, 400, 'bad-request');
    assert.match(String(problem.detail), /not valid JSON/);
  });

  it('answers 415 for a body of another media type', async () => {
    const event = widgetEvent({
      body: 'name=Ada',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });

    const response = await handlers.create(event);

    const problem = assertProblem(response, 415, 'unsupported-media-type');
    assert.match(String(problem.detail), /application\/x-www-form-urlencoded/);
  });

  it('answers 415 for a body sent without a content type', async () => {
    const event = widgetEvent({ body: '{"name":"Ada","email":"ada@example.com"}' });

    const response = await handlers.create(event);

    assertProblem(response, 415, 'unsupported-media-type');
  });

  it('answers 413 for a body above NIMBUS_MAX_BODY_BYTES, naming the limit', async () => {
    const event = widgetEvent({ json: { name: 'x'.repeat(MAX_BODY_BYTES), email: 'ada@example.com' } });

    const response = await handlers.create(event);

    const problem = assertProblem(response, 413, 'payload-too-large');
    assert.equal(problem.limitBytes, MAX_BODY_BYTES);
  });

  it('measures the limit in UTF-8 bytes, not characters', async () => {
    const name = 'é'.repeat(110); // 110 characters, 220 bytes
    const body = JSON.stringify({ name, email: 'ada@example.com' });
    assert.ok(body.length <= MAX_BODY_BYTES && Buffer.byteLength(body) > MAX_BODY_BYTES);

    const response = await handlers.create(widgetEvent({ json: { name, email: 'ada@example.com' } }));

    assertProblem(response, 413, 'payload-too-large');
  });

  it('applies the limit to the decoded size of a base64 body', async () => {
    // 200 bytes of JSON grow to 268 characters once base64-encoded: over the limit on the wire,
    // under it once decoded.
    const json = { name: 'n'.repeat(163), email: 'ada@example.com' };
    const text = JSON.stringify(json);
    assert.ok(Buffer.byteLength(text) <= MAX_BODY_BYTES);
    assert.ok(Buffer.from(text).toString('base64').length > MAX_BODY_BYTES);

    const response = await handlers.create(widgetEvent({ json, base64: true }));

    assert.equal(response.statusCode, 200, response.body);
  });
});

describe('httpHandler: validation', () => {
  it('answers 400 with one error per invalid field, paths prefixed with the part', async () => {
    const event = widgetEvent({ json: { name: '', email: 'not-an-email', tags: ['a', 'b', 'c', 'd'] } });

    const response = await handlers.create(event);

    const problem = assertProblem(response, 400, 'validation-failed');
    assert.deepEqual(fieldPaths(problem).sort(), ['body.email', 'body.name', 'body.tags']);
    for (const error of problem.errors as ReadonlyArray<{ message: string }>) {
      assert.ok(error.message.length > 0);
    }
  });

  it('answers 400 for a missing body on a route that requires one', async () => {
    const response = await handlers.create(widgetEvent());

    const problem = assertProblem(response, 400, 'validation-failed');
    assert.deepEqual(fieldPaths(problem), ['body']);
  });

  it('validates and coerces path and query parameters', async () => {
    const response = await handlers.get(getEvent('w_42', { limit: '25' }));

    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(seenGet?.params, { widgetId: 'w_42' });
    assert.deepEqual(seenGet?.query, { limit: 25 });
  });

  it('applies query defaults when the request has no query string', async () => {
    const event = getEvent('w_42');
    assert.equal(event.queryStringParameters, null);

    const response = await handlers.get(event);

    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(jsonOf(response), { id: 'w_42', limit: 10 });
  });

  it('names an invalid path parameter as params.<name>', async () => {
    const response = await handlers.get(getEvent('W-42'));

    const problem = assertProblem(response, 400, 'validation-failed');
    assert.deepEqual(fieldPaths(problem), ['params.widgetId']);
  });

  it('names an invalid query parameter as query.<name>', async () => {
    const response = await handlers.get(getEvent('w_42', { limit: 'lots' }));

    const problem = assertProblem(response, 400, 'validation-failed');
    assert.deepEqual(fieldPaths(problem), ['query.limit']);
  });

  it('ignores a stray body on a route that declares none', async () => {
    const event = restEvent({
      method: 'GET',
      path: '/v1/widgets/w_1',
      resource: '/v1/widgets/{widgetId}',
      pathParameters: { widgetId: 'w_1' },
      body: '<not json at all>'.repeat(100),
      headers: { 'Content-Type': 'text/plain' },
    });

    const response = await handlers.get(event);

    assert.equal(response.statusCode, 200, response.body);
  });

  it('answers 204 without a body or Content-Type when the route returns nothing', async () => {
    const event = restEvent({
      method: 'DELETE',
      path: '/v1/widgets/w_1',
      resource: '/v1/widgets/{widgetId}',
      pathParameters: { widgetId: 'w_1' },
    });

    const response = await handlers.remove(event);

    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assert.equal(headersOf(response)['content-type'], undefined);
  });
});

describe('httpHandler: errors', () => {
  it('maps an unexpected error to a 500 that reveals nothing about it', async () => {
    const response = await handlers.crash(getEvent('w_1'));

    const problem = assertProblem(response, 500, 'internal');
    assert.equal(problem.title, 'Internal Server Error');
    assert.doesNotMatch(response.body, /hunter2|db\.internal|refused|postgres/);
    assert.doesNotMatch(response.body, /\bat .+:\d+:\d+/, 'no stack frame');
    assert.doesNotMatch(response.body, /"(stack|message|cause|name)"/);
  });

  it('maps a thrown HttpError to its status and keeps its headers', async () => {
    const response = await handlers.rateLimited(getEvent('w_1'));

    const problem = assertProblem(response, 429, 'rate-limited');
    assert.equal(headersOf(response)['retry-after'], '30');
    assert.equal(problem.retryAfter, 30);
    assert.equal(problem.scope, 'ip');
  });

  it('writes problem documents with type, title, status, detail, instance and correlationId', async () => {
    const event = widgetEvent({ body: '{', headers: { 'Content-Type': 'application/json' } });

    const response = await handlers.create(event);

    const problem = jsonOf(response);
    assert.deepEqual(
      Object.keys(problem)
        .filter((key) => ['type', 'title', 'status', 'detail', 'instance', 'correlationId'].includes(key))
        .sort(),
      ['correlationId', 'detail', 'instance', 'status', 'title', 'type'],
    );
    assert.equal(problem.status, response.statusCode);
    assert.equal(problem.title, 'Bad Request');
    assert.equal(typeof problem.detail, 'string');
    assert.equal(problem.instance, '/v1/widgets');
    assert.equal(problem.correlationId, headersOf(response)['x-correlation-id']);
  });
});

describe('httpHandler: response headers', () => {
  const scenarios: ReadonlyArray<{ name: string; run: () => Promise<APIGatewayProxyResult> }> = [
    {
      name: '200',
      run: () => handlers.create(widgetEvent({ json: { name: 'Ada', email: 'ada@example.com' } })),
    },
    { name: '204', run: () => handlers.remove(getEvent('w_1')) },
    { name: '400', run: () => handlers.create(widgetEvent({ json: { name: '' } })) },
    { name: '401', run: () => handlers.listKeys(keysEvent()) },
    {
      name: '413',
      run: () => handlers.create(widgetEvent({ json: { name: 'x'.repeat(MAX_BODY_BYTES) } })),
    },
    {
      name: '415',
      run: () => handlers.create(widgetEvent({ body: 'x', headers: { 'Content-Type': 'text/plain' } })),
    },
    { name: '429', run: () => handlers.rateLimited(getEvent('w_1')) },
    { name: '500', run: () => handlers.crash(getEvent('w_1')) },
  ];

  for (const scenario of scenarios) {
    it(`puts security headers, CORS and x-correlation-id on a ${scenario.name} response`, async () => {
      const response = await scenario.run();

      assert.equal(String(response.statusCode), scenario.name);
      const headers = headersOf(response);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        assert.equal(headers[name.toLowerCase()], value, name);
      }
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.match(headers['strict-transport-security'] ?? '', /max-age=\d+/);
      assert.equal(headers['access-control-allow-origin'], '*');
      assert.match(headers['access-control-expose-headers'] ?? '', /x-correlation-id/);
      assert.match(headers['x-correlation-id'] ?? '', UUID);
    });
  }

  it('marks successful responses as not cacheable', async () => {
    const response = await handlers.get(getEvent('w_1'));

    assert.equal(headersOf(response)['cache-control'], 'no-store');
  });
});

describe('httpHandler: correlation id', () => {
  it('echoes a valid incoming x-correlation-id and hands it to the route', async () => {
    const incoming = 'req-2026.01.01:abc_DEF-123';
    const event = restEvent({ method: 'GET', path: '/v1/keys', headers: { 'X-Correlation-Id': incoming } });

    const response = await handlers.listKeys({
      ...event,
      requestContext: {
        ...event.requestContext,
        authorizer: authorizerContext({ id: 'u1', permissions: ['*'] }),
      },
    });

    assert.equal(response.statusCode, 200);
    assert.equal(headersOf(response)['x-correlation-id'], incoming);
    assert.equal(seenKeys?.correlationId, incoming);
  });

  it('echoes the incoming id into the problem document of an error', async () => {
    const incoming = 'client-trace-1';
    const event = widgetEvent({
      body: '{',
      headers: { 'Content-Type': 'application/json', 'x-correlation-id': incoming },
    });

    const response = await handlers.create(event);

    assert.equal(headersOf(response)['x-correlation-id'], incoming);
    assert.equal(jsonOf(response).correlationId, incoming);
  });

  const invalid: ReadonlyArray<[string, string]> = [
    ['longer than 128 characters', 'a'.repeat(300)],
    ['containing spaces', 'abc def'],
    ['containing a newline (header injection)', 'abc\r\nSet-Cookie: session=stolen'],
    ['containing a slash', '../../etc/passwd'],
    ['empty', ''],
  ];
  for (const [label, value] of invalid) {
    it(`replaces an incoming id ${label} with a fresh UUID`, async () => {
      const event = widgetEvent({
        json: { name: 'Ada', email: 'ada@example.com' },
        headers: { 'x-correlation-id': value },
      });

      const response = await handlers.create(event);

      const id = headersOf(response)['x-correlation-id'] ?? '';
      assert.notEqual(id, value);
      assert.match(id, UUID);
      assert.equal(seenCreate?.correlationId, id);
    });
  }

  it('generates a different id for each request without one', async () => {
    const first = await handlers.get(getEvent('w_1'));
    const second = await handlers.get(getEvent('w_1'));

    assert.notEqual(headersOf(first)['x-correlation-id'], headersOf(second)['x-correlation-id']);
  });
});

describe('httpHandler: principal routes', () => {
  it('answers 401 with WWW-Authenticate when the request carries no principal', async () => {
    const response = await handlers.listKeys(keysEvent());

    assertProblem(response, 401, 'unauthorized');
    assert.equal(headersOf(response)['www-authenticate'], 'Bearer');
  });

  it('answers 401 when the authorizer context has no principal id', async () => {
    const response = await handlers.listKeys(keysEvent({ principalId: '', permissions: '*' }));

    assertProblem(response, 401, 'unauthorized');
  });

  it('answers 403 when the principal lacks the permission', async () => {
    const authorizer = authorizerContext({ id: 'u1', permissions: ['keys:write', 'users:read', 'key:*'] });

    const response = await handlers.listKeys(keysEvent(authorizer));

    assertProblem(response, 403, 'forbidden');
  });

  const grants: ReadonlyArray<[string, readonly string[]]> = [
    ['the exact permission', ['users:read', 'keys:read']],
    ['feature:*', ['keys:*']],
    ['*', ['*']],
  ];
  for (const [label, permissions] of grants) {
    it(`lets a principal holding ${label} through, with its identity`, async () => {
      const authorizer = authorizerContext({ id: 'u-7', permissions, roles: ['admin', 'ops'] });

      const response = await handlers.listKeys(keysEvent(authorizer));

      assert.equal(response.statusCode, 200, response.body);
      assert.equal(seenKeys?.principal?.id, 'u-7');
      assert.deepEqual(seenKeys?.principal?.permissions, permissions);
      assert.deepEqual(seenKeys?.principal?.roles, ['admin', 'ops']);
    });
  }

  it('checks identity before reading the body, so an anonymous caller learns nothing of the schema', async () => {
    const event = restEvent({
      method: 'POST',
      path: '/v1/keys',
      body: '{"label": ',
      headers: { 'Content-Type': 'application/json' },
    });

    const response = await handlers.createKey(event);

    assertProblem(response, 401, 'unauthorized');
  });
});

describe('httpHandler: expected errors stay out of the onError chain', () => {
  interface Probe {
    readonly middleware: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;
    readonly errorsSeen: unknown[];
    readonly after: Array<{ status: number | undefined; error: unknown }>;
  }

  // The Tracer's onError records whatever reaches middy's onError chain as a fault on the trace.
  // A probe with the same hooks stands in for it: whatever it sees, the Tracer would see.
  function probe(): Probe {
    const errorsSeen: unknown[] = [];
    const after: Probe['after'] = [];
    return {
      errorsSeen,
      after,
      middleware: {
        after: (request) => {
          after.push({ status: request.response?.statusCode, error: request.error });
        },
        onError: (request) => {
          errorsSeen.push(request.error);
        },
      },
    };
  }

  it('answers an HttpError thrown by the route as a successful invocation, leaving request.error unset', async () => {
    const spy = probe();
    const invoke = invoker(
      pipeline
        .httpHandler(getWidget, async () => {
          throw new NotFoundError();
        })
        .use(spy.middleware),
    );

    const response = await invoke(getEvent('w_1'));

    assertProblem(response, 404, 'not-found');
    assert.deepEqual(spy.errorsSeen, []);
    assert.deepEqual(spy.after, [{ status: 404, error: undefined }]);
  });

  it('answers HttpErrors of the pipeline itself (auth, parsing, validation) the same way', async () => {
    const spy = probe();
    const invoke = invoker(
      pipeline.httpHandler(createWidget, async () => ({ body: {} })).use(spy.middleware),
    );

    const responses = [
      await invoke(widgetEvent({ body: '{', headers: { 'Content-Type': 'application/json' } })),
      await invoke(widgetEvent({ json: { name: '' } })),
      await invoke(widgetEvent({ body: 'x', headers: { 'Content-Type': 'text/plain' } })),
    ];

    assert.deepEqual(
      responses.map((response) => response.statusCode),
      [400, 400, 415],
    );
    assert.deepEqual(spy.errorsSeen, []);
  });

  it('answers a DomainError thrown by the route (a use case) the same way, as its problem', async (t) => {
    const spy = probe();
    const failuresLogged = t.mock.method(observability.logger, 'error');
    const invoke = invoker(
      pipeline
        .httpHandler(getWidget, async () => {
          throw new ConflictingStateError('The widget is already archived.');
        })
        .use(spy.middleware),
    );

    const response = await invoke(getEvent('w_1'));

    const problem = assertProblem(response, 409, 'conflict');
    assert.equal(problem.detail, 'The widget is already archived.');
    assert.equal(headersOf(response)['cache-control'], 'no-store');
    assert.match(headersOf(response)['x-correlation-id'] ?? '', UUID);
    assert.deepEqual(spy.errorsSeen, []);
    assert.deepEqual(spy.after, [{ status: 409, error: undefined }]);
    assert.equal(failuresLogged.mock.callCount(), 0, 'an answer is not logged as a failure');
  });

  it('still raises an unexpected error through onError, where it becomes the 500', async () => {
    const spy = probe();
    const invoke = invoker(
      pipeline
        .httpHandler(getWidget, async () => {
          throw new Error(`connection to ${SECRET} refused`);
        })
        .use(spy.middleware),
    );

    const response = await invoke(getEvent('w_1'));

    assertProblem(response, 500, 'internal');
    assert.equal(spy.errorsSeen.length, 1);
    assert.match(String((spy.errorsSeen[0] as Error).message), /refused/);
  });
});

describe('httpHandler: problem responses', () => {
  for (const [name, run] of [
    ['400', () => handlers.create(widgetEvent({ json: { name: '' } }))],
    ['401', () => handlers.listKeys(keysEvent())],
    ['429', () => handlers.rateLimited(getEvent('w_1'))],
    ['500', () => handlers.crash(getEvent('w_1'))],
  ] as const) {
    it(`marks a ${name} problem response as not cacheable`, async () => {
      const response = await run();

      assert.equal(String(response.statusCode), name);
      assert.equal(headersOf(response)['cache-control'], 'no-store');
    });
  }
});

describe('httpHandler: errors on a cached route', () => {
  // Redis is absent in unit tests, so the response cache runs on its in-container level: a
  // loader failure there is answered with the expired copy (stale-while-error).
  const cachedWidget = routeBuilders({ tags: ['widgets'] }).publicRoute({
    id: 'widgets.cached',
    method: 'GET',
    path: '/v1/cached-widgets/{widgetId}',
    handler: 'functions/widgets/handlers/cached.ts',
    summary: 'Read a cached widget',
    rateLimit: [],
    cache: { dataClass: 'user', perPrincipal: false },
    request: { params: z.object({ widgetId: z.string() }) },
    responses: { 200: { description: 'The widget' } },
  });
  const cachedEvent = (widgetId: string) =>
    restEvent({
      method: 'GET',
      path: `/v1/cached-widgets/${widgetId}`,
      resource: '/v1/cached-widgets/{widgetId}',
      pathParameters: { widgetId },
    });
  // Past the `user` data class's TTL (300 s), well within the stale window.
  const EXPIRED_MS = 301_000;

  afterEach(() => mock.timers.reset());

  /** A handler whose route answers 200 once, then fails with `failure`. */
  function answersOnceThen(failure: () => Error): Invoke {
    let calls = 0;
    return invoker(
      pipeline.httpHandler(cachedWidget, async () => {
        calls += 1;
        if (calls > 1) throw failure();
        return { body: { version: calls } };
      }),
    );
  }

  const cases: ReadonlyArray<[string, () => Error, number, string]> = [
    ['an HttpError', () => new NotFoundError('The widget was deleted.'), 404, 'not-found'],
    ['a DomainError', () => new ResourceNotFoundError('The widget was deleted.'), 404, 'not-found'],
  ];
  for (const [label, failure, status, type] of cases) {
    it(`answers ${label} from the loader instead of serving the stale copy`, async () => {
      delete process.env.UPSTASH_REDIS_REST_URL;
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      const invoke = answersOnceThen(failure);
      const widgetId = `w_${label.replaceAll(' ', '_')}`;
      assert.equal((await invoke(cachedEvent(widgetId))).statusCode, 200);

      mock.timers.tick(EXPIRED_MS);
      const response = await invoke(cachedEvent(widgetId));

      const problem = assertProblem(response, status, type);
      assert.equal(problem.detail, 'The widget was deleted.');
    });
  }

  it('serves the stale copy when the loader fails unexpectedly (the contrast)', async () => {
    delete process.env.UPSTASH_REDIS_REST_URL;
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const invoke = answersOnceThen(() => new Error('database unavailable'));
    assert.equal((await invoke(cachedEvent('w_unexpected'))).statusCode, 200);

    mock.timers.tick(EXPIRED_MS);
    const response = await invoke(cachedEvent('w_unexpected'));

    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(jsonOf(response), { version: 1 });
    assert.equal(headersOf(response)['x-cache'], 'stale');
  });
});
