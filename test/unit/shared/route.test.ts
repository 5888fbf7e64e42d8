import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineRoute, type RouteDef } from '#shared/http/route.ts';

const base = {
  id: 'widgets.get',
  method: 'GET',
  path: '/v1/orgs/{orgId}/widgets/{widgetId}',
  handler: 'functions/widgets/handlers/get.ts',
  summary: 'Read a widget',
  tags: ['widgets'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  responses: { 200: { description: 'The widget' } },
} as const satisfies RouteDef;

describe('defineRoute: path parameters', () => {
  it('accepts a params schema whose keys are exactly the path placeholders', () => {
    const route = defineRoute({
      ...base,
      request: { params: z.object({ orgId: z.string(), widgetId: z.string() }) },
    });

    assert.equal(route.path, base.path);
  });

  it('refuses placeholders without a params schema, naming the route and the placeholders', () => {
    assert.throws(
      () => defineRoute(base),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /widgets\.get/);
        assert.match(error.message, /\{orgId\}, \{widgetId\}/);
        assert.match(error.message, /request\.params/);
        return true;
      },
    );
  });

  it('refuses a params schema that misses a placeholder', () => {
    assert.throws(
      () => defineRoute({ ...base, request: { params: z.object({ orgId: z.string() }) } }),
      /Route widgets\.get .*\{widgetId\} missing from request\.params/,
    );
  });

  it('refuses a params key that is not in the path', () => {
    assert.throws(
      () =>
        defineRoute({
          ...base,
          request: { params: z.object({ orgId: z.string(), widgetId: z.string(), extra: z.string() }) },
        }),
      /Route widgets\.get .*key\(s\) extra not in the path/,
    );
  });

  it('refuses a params schema on a path without placeholders', () => {
    assert.throws(
      () => defineRoute({ ...base, path: '/v1/widgets', request: { params: z.object({ id: z.string() }) } }),
      /Route widgets\.get .*id not in the path/,
    );
  });

  it('allows a greedy {proxy+} placeholder without a schema, or with one', () => {
    assert.doesNotThrow(() => defineRoute({ ...base, path: '/{proxy+}' }));
    assert.doesNotThrow(() =>
      defineRoute({ ...base, path: '/{proxy+}', request: { params: z.object({ proxy: z.string() }) } }),
    );
  });
});
