import * as z from 'zod';
import { assertPathParams, type RouteDef } from '#shared/http/route.ts';

type JsonObject = Record<string, unknown>;

const problemSchema: JsonObject = {
  type: 'object',
  // No `status`: the DEFAULT_4XX/5XX gateway responses cover several statuses and leave it out
  // (the status line carries it). RFC 9457 makes every member optional anyway.
  required: ['type', 'title', 'detail', 'instance', 'correlationId'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const json = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function operation(route: RouteDef): JsonObject {
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(route.responses)) {
    // An error is a problem document unless its row says otherwise (a health report answers 503
    // with the report itself).
    const contentType =
      response.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { [contentType]: { schema: jsonSchema(response.schema, 'output') } } }
        : Number(status) >= 400
          ? { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } }
          : {}),
    };
  }
  responses.default = {
    description: 'Error (RFC 9457 problem details)',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  const body = route.request?.body;
  return {
    operationId: route.id,
    summary: route.summary,
    tags: route.tags,
    ...(route.auth === 'principal' ? { security: [{ bearer: [] }, { apiKey: [] }] } : { security: [] }),
    parameters: [...parameters(route.request?.params, 'path'), ...parameters(route.request?.query, 'query')],
    ...(body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(body, 'input') } },
          },
        }
      : {}),
    responses,
    'x-nimbus-permission': route.permission,
    'x-nimbus-rate-limit': route.rateLimit,
    'x-nimbus-cache': route.cache,
  };
}

/** The OpenAPI 3.1 document for a route table (OpenAPI 3.1 schemas are JSON Schema 2020-12). */
export function buildOpenApi(
  routes: readonly RouteDef[],
  info: { version: string; serverUrl?: string },
): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    // defineRoute checks this already; a RouteDef built without it must not yield an invalid document.
    assertPathParams(route);
    paths[route.path] ??= {};
    (paths[route.path] as JsonObject)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nimbus API',
      version: info.version,
      description: 'Errors are RFC 9457 problem documents; every response carries x-correlation-id.',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
  };
}
