import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import {
  authorizerContext,
  headersOf,
  type Invoke,
  invoker,
  quietPowertools,
  restEvent,
} from '../../support/apigw.ts';

// The cached path of the pipeline on a stage with a CORS allow-list (read once at module scope,
// hence a file of its own). Redis is absent: the response cache runs on its in-container level.
const APP = 'https://app.nimbus.example';

const { principalRoute } = routeBuilders({ tags: ['widgets'] });
const myWidgets = principalRoute({
  id: 'widgets.mine',
  method: 'GET',
  path: '/v1/my-widgets',
  handler: 'functions/widgets/handlers/mine.ts',
  summary: 'My widgets',
  permission: 'widgets:read',
  rateLimit: [],
  cache: { dataClass: 'user', perPrincipal: true },
  request: { query: z.object({ page: z.coerce.number().int().min(1).default(1) }) },
  responses: { 200: { description: 'Widgets' } },
});

let invoke: Invoke;
let loads = 0;

before(async () => {
  quietPowertools();
  process.env.NIMBUS_CORS_ORIGINS = APP;
  delete process.env.UPSTASH_REDIS_REST_URL;
  const { httpHandler } = await import('#shared/http/pipeline.ts');
  invoke = invoker(
    httpHandler(myWidgets, async (request) => {
      loads += 1;
      return { body: { page: request.query.page, owner: request.principal.id } };
    }),
  );
});

const event = (principalId: string, query?: Record<string, string>, headers: Record<string, string> = {}) =>
  restEvent({
    path: '/v1/my-widgets',
    headers: { Origin: APP, ...headers },
    authorizer: authorizerContext({ id: principalId, permissions: ['widgets:read'] }),
    ...(query ? { query } : {}),
  });

const varyOf = (headers: Record<string, string>) =>
  (headers.vary ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .sort();

describe('httpHandler: cached per-principal responses', () => {
  // Regression (issue 9): the cached path's `Vary: Authorization, x-api-key` overwrote CORS's
  // `Vary: Origin`, so a shared cache could hand one origin's copy to another.
  it('vary by credential and by Origin, on the first answer, a cache hit and a 304', async () => {
    const first = await invoke(event('vary-user'));
    const hit = await invoke(event('vary-user'));
    const etag = headersOf(first).etag ?? '';
    const notModified = await invoke(event('vary-user', undefined, { 'If-None-Match': etag }));

    assert.equal(headersOf(hit)['x-cache'], 'l1');
    assert.equal(notModified.statusCode, 304);
    for (const response of [first, hit, notModified]) {
      const headers = headersOf(response);
      assert.deepEqual(varyOf(headers), ['authorization', 'origin', 'x-api-key']);
      assert.equal(headers['access-control-allow-origin'], APP);
    }
  });

  // Regression (issue 9): 50 `?junk=` requests made 50 copies of a profile.
  it('make one copy for 50 requests that differ only in an undeclared query parameter', async () => {
    const before = loads;

    for (let i = 0; i < 50; i++) {
      const response = await invoke(event('junk-user', { junk: String(i) }));
      assert.equal(response.statusCode, 200, response.body);
    }

    assert.equal(loads - before, 1);
  });

  it('still makes a copy per value of a declared query parameter', async () => {
    const before = loads;

    await invoke(event('paged-user', { page: '1' }));
    await invoke(event('paged-user', { page: '2' }));
    await invoke(event('paged-user', { page: '2', junk: 'x' }));

    assert.equal(loads - before, 2);
  });
});
