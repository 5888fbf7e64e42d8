import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { buildOpenApi } from '#functions/platform/domain/openapi.ts';
import { routes } from '#functions/routes.ts';
import { defineRoute, type RouteDef } from '#shared/http/route.ts';

type Json = Record<string, unknown>;

function obj(value: unknown, what: string): Json {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is an object`);
  return value as Json;
}

function operationOf(document: Json, path: string, method: string): Json {
  const paths = obj(document.paths, 'paths');
  return obj(obj(paths[path], `paths[${path}]`)[method.toLowerCase()], `${method} ${path}`);
}

const createWidget = defineRoute({
  id: 'widgets.create',
  method: 'POST',
  path: '/v1/orgs/{orgId}/widgets',
  handler: 'functions/widgets/handlers/create.ts',
  summary: 'Create a widget',
  tags: ['widgets'],
  auth: 'principal',
  permission: 'widgets:write',
  rateLimit: ['principal'],
  cache: null,
  request: {
    params: z.object({ orgId: z.string() }),
    query: z.object({ dryRun: z.enum(['true', 'false']).optional(), mode: z.enum(['fast', 'safe']) }),
    body: z.object({ name: z.string().min(1), size: z.number().int().default(1) }),
  },
  responses: {
    201: { description: 'Created', schema: z.object({ id: z.string() }) },
    409: { description: 'A widget of that name exists' },
  },
});

const listWidgets = defineRoute({
  id: 'widgets.list',
  method: 'GET',
  path: '/v1/orgs/{orgId}/widgets',
  handler: 'functions/widgets/handlers/list.ts',
  summary: 'List widgets',
  tags: ['widgets'],
  auth: 'principal',
  permission: 'widgets:read',
  rateLimit: [],
  cache: { dataClass: 'configuration', perPrincipal: false },
  request: { params: z.object({ orgId: z.string() }) },
  responses: { 200: { description: 'Widgets' } },
});

describe('buildOpenApi over the route table', () => {
  const document = buildOpenApi(routes, { version: '1.2.3' });

  it('is an OpenAPI 3.1.0 document with the given version', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(obj(document.info, 'info').version, '1.2.3');
    assert.equal(document.servers, undefined);
  });

  it('has one operation per route, its operationId the route id', () => {
    const operationIds: string[] = [];
    for (const route of routes) {
      const operation = operationOf(document, route.path, route.method);
      assert.equal(operation.operationId, route.id);
      assert.equal(operation.summary, route.summary);
      operationIds.push(String(operation.operationId));
    }
    assert.equal(new Set(operationIds).size, routes.length);
  });

  it('carries the permission, rate-limit scopes and cache policy of each route', () => {
    for (const route of routes) {
      const operation = operationOf(document, route.path, route.method);
      assert.ok('x-nimbus-permission' in operation, route.id);
      assert.equal(operation['x-nimbus-permission'], route.permission);
      assert.deepEqual(operation['x-nimbus-rate-limit'], route.rateLimit);
      assert.deepEqual(operation['x-nimbus-cache'], route.cache);
    }
  });

  it('marks public routes as needing no security', () => {
    for (const route of routes.filter((r) => r.auth === 'public')) {
      assert.deepEqual(operationOf(document, route.path, route.method).security, [], route.id);
    }
  });

  it('defines the Problem schema with the RFC 9457 members and refers errors to it', () => {
    const schemas = obj(obj(document.components, 'components').schemas, 'schemas');
    const problem = obj(schemas.Problem, 'Problem');
    // `status` is described but optional: the DEFAULT_4XX/5XX gateway responses leave it out.
    assert.deepEqual([...(problem.required as string[])].sort(), [
      'correlationId',
      'detail',
      'instance',
      'title',
      'type',
    ]);
    assert.deepEqual(obj(problem.properties, 'properties').status, { type: 'integer' });
    for (const route of routes) {
      const responses = obj(operationOf(document, route.path, route.method).responses, 'responses');
      const fallback = obj(responses.default, 'default response');
      assert.deepEqual(fallback.content, {
        'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      });
    }
  });

  it('documents the 503 of readiness as problem+json', () => {
    const ready = routes.find((route) => route.id === 'platform.healthReady');
    assert.ok(ready);
    const responses = obj(operationOf(document, ready.path, ready.method).responses, 'responses');
    const unavailable = obj(responses['503'], '503');
    assert.ok(obj(unavailable.content, '503 content')['application/problem+json']);
  });

  it('serialises to JSON', () => {
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(document)));
  });
});

describe('buildOpenApi over routes with request schemas', () => {
  const document = buildOpenApi([listWidgets, createWidget], {
    version: '0.0.1',
    serverUrl: 'https://api.nimbus.example',
  });

  it('keeps every method of a path', () => {
    assert.equal(operationOf(document, '/v1/orgs/{orgId}/widgets', 'GET').operationId, 'widgets.list');
    assert.equal(operationOf(document, '/v1/orgs/{orgId}/widgets', 'POST').operationId, 'widgets.create');
  });

  it('lists the server when given one', () => {
    assert.deepEqual(document.servers, [{ url: 'https://api.nimbus.example' }]);
  });

  it('describes a required JSON request body from the body schema', () => {
    const requestBody = obj(operationOf(document, createWidget.path, 'POST').requestBody, 'requestBody');
    assert.equal(requestBody.required, true);
    const content = obj(requestBody.content, 'content');
    const schema = obj(obj(content['application/json'], 'application/json').schema, 'schema');
    assert.equal(schema.type, 'object');
    assert.deepEqual(Object.keys(obj(schema.properties, 'properties')).sort(), ['name', 'size']);
    // Input view: a field with a default is optional for the caller.
    assert.deepEqual(schema.required, ['name']);
  });

  it('describes no request body for a route without one', () => {
    assert.equal(operationOf(document, listWidgets.path, 'GET').requestBody, undefined);
  });

  it('marks path parameters required and query parameters as the schema says', () => {
    const parameters = operationOf(document, createWidget.path, 'POST').parameters as Json[];
    const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));

    assert.deepEqual(byName.get('orgId'), {
      name: 'orgId',
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
    assert.equal(byName.get('dryRun')?.in, 'query');
    assert.equal(byName.get('dryRun')?.required, false);
    assert.equal(byName.get('mode')?.required, true);
    assert.equal(parameters.length, 3);
  });

  it('requires bearer or API key security on principal routes', () => {
    assert.deepEqual(operationOf(document, createWidget.path, 'POST').security, [
      { bearer: [] },
      { apiKey: [] },
    ]);
    const schemes = obj(obj(document.components, 'components').securitySchemes, 'securitySchemes');
    assert.deepEqual(Object.keys(schemes).sort(), ['apiKey', 'bearer']);
  });

  it('uses the response schema for successes and problem+json for declared errors', () => {
    const responses = obj(operationOf(document, createWidget.path, 'POST').responses, 'responses');
    const created = obj(obj(responses['201'], '201').content, '201 content');
    assert.equal(obj(obj(created['application/json'], 'json').schema, 'schema').type, 'object');
    const conflict = obj(obj(responses['409'], '409').content, '409 content');
    assert.deepEqual(conflict['application/problem+json'], {
      schema: { $ref: '#/components/schemas/Problem' },
    });
  });
});

describe('buildOpenApi over a route not checked by defineRoute', () => {
  it('refuses a path placeholder the params schema does not describe', () => {
    const unchecked: RouteDef = { ...listWidgets, id: 'widgets.raw', request: {} };

    assert.throws(
      () => buildOpenApi([unchecked], { version: '0.0.1' }),
      /Route widgets\.raw .*\{orgId\} missing from request\.params/,
    );
  });
});
