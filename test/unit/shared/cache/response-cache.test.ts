import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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

  it('include the principal only on per-principal routes, and the query in a stable order', () => {
    const mine = { ...request, path: '/v1/me', query: { b: '2', a: '1' } };

    assert.notEqual(
      cacheKey(me, { ...mine, principal: principal('u1') }, 'b'),
      cacheKey(me, { ...mine, principal: principal('u2') }, 'b'),
    );
    assert.equal(
      cacheKey(openapi, { ...request, principal: principal('u1') }, 'b'),
      cacheKey(openapi, { ...request, principal: principal('u2') }, 'b'),
    );
    assert.equal(
      cacheKey(me, { ...mine, principal: principal('u1') }, 'b'),
      cacheKey(me, { ...mine, query: { a: '1', b: '2' }, principal: principal('u1') }, 'b'),
    );
  });
});
