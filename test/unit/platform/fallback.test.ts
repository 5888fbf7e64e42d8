import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { routes } from '#functions/routes.ts';
import { headersOf, type Invoke, invoker, jsonOf, quietPowertools, restEvent } from '../../support/apigw.ts';

let invoke: Invoke;

before(async () => {
  quietPowertools();
  delete process.env.NIMBUS_CORS_ORIGINS;
  // The handler builds its pipeline at import, reading the environment set above.
  const { handler } = await import('#functions/platform/handlers/fallback.ts');
  invoke = invoker(handler);
});

describe('fallback handler', () => {
  it('answers a CORS preflight on a declared path with its methods, the allowed headers and the origin', async () => {
    const event = restEvent({ method: 'OPTIONS', resource: '/v1/keys/{keyId}', path: '/v1/keys/abc' });

    const response = await invoke(event);

    assert.equal(response.statusCode, 204);
    const headers = headersOf(response);
    const declared = routes.filter((route) => route.path === '/v1/keys/{keyId}').map((route) => route.method);
    assert.equal(headers['access-control-allow-methods'], [...declared, 'OPTIONS'].join(', '));
    assert.match(headers['access-control-allow-headers'] ?? '', /Authorization/);
    assert.match(headers['access-control-allow-headers'] ?? '', /X-Api-Key/);
    assert.equal(headers['access-control-allow-origin'], '*');
    assert.equal(headers['access-control-max-age'], '3600');
  });

  it('answers 404 to a preflight on an unknown path', async () => {
    const response = await invoke(restEvent({ method: 'OPTIONS', resource: '/{proxy+}', path: '/nowhere' }));

    assert.equal(response.statusCode, 404);
  });

  it('answers 405 with Allow for an undeclared method on a declared path', async () => {
    const event = restEvent({ method: 'POST', resource: '/health', path: '/health' });

    const response = await invoke(event);

    assert.equal(response.statusCode, 405);
    assert.equal(headersOf(response).allow, 'GET, OPTIONS');
    assert.equal(headersOf(response)['content-type'], 'application/problem+json');
    const problem = jsonOf(response);
    assert.equal(problem.type, 'https://nimbus.dev/problems/method-not-allowed');
    assert.deepEqual(problem.allowed, ['GET', 'OPTIONS']);
    assert.equal(problem.instance, '/health');
  });

  it('lists the declared methods of each path of the route table in Allow', async () => {
    for (const path of new Set(routes.map((route) => route.path))) {
      const declared = routes.filter((route) => route.path === path).map((route) => route.method);

      const response = await invoke(restEvent({ method: 'PATCH', resource: path, path }));

      assert.equal(response.statusCode, 405, path);
      assert.equal(headersOf(response).allow, [...declared, 'OPTIONS'].join(', '), path);
    }
  });

  it('ignores a body sent with the wrong method instead of parsing it', async () => {
    const event = restEvent({
      method: 'PUT',
      resource: '/version',
      path: '/version',
      body: 'not json',
      headers: { 'Content-Type': 'text/plain' },
    });

    const response = await invoke(event);

    assert.equal(response.statusCode, 405);
  });

  it('answers 404 problem+json for a path no route declares', async () => {
    const event = restEvent({
      method: 'GET',
      resource: '/{proxy+}',
      path: '/v1/nothing-here',
      pathParameters: { proxy: 'v1/nothing-here' },
    });

    const response = await invoke(event);

    assert.equal(response.statusCode, 404);
    assert.equal(headersOf(response)['content-type'], 'application/problem+json');
    const problem = jsonOf(response);
    assert.equal(problem.type, 'https://nimbus.dev/problems/not-found');
    assert.equal(problem.status, 404);
    assert.equal(problem.instance, '/v1/nothing-here');
    assert.match(String(problem.detail), /GET \/v1\/nothing-here/);
    assert.equal(headersOf(response).allow, undefined);
  });

  it('answers 404 for the API root, which declares no route', async () => {
    const response = await invoke(restEvent({ method: 'GET', resource: '/', path: '/' }));

    assert.equal(response.statusCode, 404);
  });

  it('carries the security headers and a correlation id on its problems', async () => {
    const response = await invoke(restEvent({ method: 'DELETE', resource: '/{proxy+}', path: '/x' }));

    const headers = headersOf(response);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.ok(headers['x-correlation-id']);
    assert.equal(jsonOf(response).correlationId, headers['x-correlation-id']);
  });
});
