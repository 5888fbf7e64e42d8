import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { quietPowertools } from '../../../support/apigw.ts';

quietPowertools();
const { cacheKey } = await import('#shared/cache/response-cache.ts');
const { openapi } = await import('#functions/platform/routes.ts');
const { me } = await import('#functions/auth/routes.ts');

const principal = (id: string) => ({
  id,
  kind: 'user' as const,
  roles: [],
  permissions: [],
  sessionId: null,
  orgId: null,
  authTime: null,
});
const request = { apiId: 'api1', path: '/openapi.json', query: null, principal: null };

describe('response cache keys', () => {
  it('differ by build, so a deploy never serves the previous build’s copy', () => {
    assert.notEqual(cacheKey(openapi, request, '0.1.0+aaaa'), cacheKey(openapi, request, '0.1.0+bbbb'));
  });

  it('differ by API deployment, so deployments sharing one Redis never share copies', () => {
    assert.notEqual(cacheKey(openapi, request, 'b'), cacheKey(openapi, { ...request, apiId: 'api2' }, 'b'));
  });

  it('are the same for the same request of the same build and deployment', () => {
    assert.equal(cacheKey(openapi, request, 'b'), cacheKey(openapi, { ...request }, 'b'));
  });

  it('include the principal only on per-principal routes, and the declared query in a stable order', () => {
    const mine = { ...request, path: '/v1/me', query: { b: '2', a: '1' } };
    const meWithQuery = { ...me, request: { query: z.object({ a: z.string(), b: z.string() }) } };

    assert.notEqual(
      cacheKey(me, { ...mine, principal: principal('u1') }, 'b'),
      cacheKey(me, { ...mine, principal: principal('u2') }, 'b'),
    );
    assert.equal(
      cacheKey(openapi, { ...request, principal: principal('u1') }, 'b'),
      cacheKey(openapi, { ...request, principal: principal('u2') }, 'b'),
    );
    assert.equal(
      cacheKey(meWithQuery, { ...mine, principal: principal('u1') }, 'b'),
      cacheKey(meWithQuery, { ...mine, query: { a: '1', b: '2' }, principal: principal('u1') }, 'b'),
    );
    assert.notEqual(
      cacheKey(meWithQuery, { ...mine, principal: principal('u1') }, 'b'),
      cacheKey(meWithQuery, { ...mine, query: { a: '1', b: '3' }, principal: principal('u1') }, 'b'),
    );
  });

  // Regression (issue 9): 50 `?junk=` requests made 50 copies of a profile.
  it('ignore query parameters the route does not declare: 50 junk values make one key', () => {
    const keys = new Set(
      Array.from({ length: 50 }, (_, i) =>
        cacheKey(
          me,
          { ...request, path: '/v1/me', query: { junk: String(i) }, principal: principal('u1') },
          'b',
        ),
      ),
    );

    assert.equal(keys.size, 1);
  });

  it('keep the declared parameters and drop the others on a route with a query schema', () => {
    const paged = { ...me, request: { query: z.object({ page: z.number() }) } };
    const at = (query: Record<string, unknown>) =>
      cacheKey(paged, { ...request, path: '/v1/me', query, principal: principal('u1') }, 'b');

    assert.equal(at({ page: 2, junk: 'x' }), at({ page: 2, junk: 'y' }));
    assert.notEqual(at({ page: 2 }), at({ page: 3 }));
    assert.ok(!at({ page: 2, junk: 'x' }).includes('junk'));
  });

  it('count every validated parameter when the query schema is not a plain object', () => {
    const objects = [
      z.strictObject({ page: z.number() }),
      z.object({ page: z.number() }).extend({ size: z.number() }),
    ];
    const piped = z.object({ page: z.number() }).transform((query) => query);
    const key = (query: z.ZodType) =>
      cacheKey(
        { ...me, request: { query } },
        { ...request, path: '/v1/me', query: { page: 2, extra: 'x' }, principal: principal('u1') },
        'b',
      );

    for (const schema of objects) assert.ok(!key(schema).includes('extra'));
    assert.ok(key(piped).includes('extra=x'));
  });
});
