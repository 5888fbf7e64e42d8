import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { HttpRequest } from '#shared/http/pipeline.ts';
import type { Principal } from '#shared/http/principal.ts';
import { defineRoute, type RouteDef, routeBuilders } from '#shared/http/route.ts';

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

describe('routeBuilders', () => {
  const { publicRoute, principalRoute } = routeBuilders({ tags: ['widgets'], needs: ['app:read'] });
  const row = {
    id: 'widgets.list',
    method: 'GET',
    path: '/v1/widgets',
    handler: 'functions/widgets/handlers/list.ts',
    summary: 'List widgets',
    responses: { 200: { description: 'Widgets' } },
  } as const;

  it('fills a public row with the defaults: no permission, the global limit, no cache', () => {
    assert.deepEqual(publicRoute(row), {
      ...row,
      tags: ['widgets'],
      needs: ['app:read'],
      auth: 'public',
      permission: null,
      rateLimit: ['global'],
      cache: null,
    } satisfies RouteDef);
  });

  it('fills a principal row with the defaults: the global and per-principal limits, no cache', () => {
    assert.deepEqual(principalRoute({ ...row, permission: 'widgets:read' }), {
      ...row,
      tags: ['widgets'],
      needs: ['app:read'],
      auth: 'principal',
      permission: 'widgets:read',
      rateLimit: ['global', 'api_general'],
      cache: null,
    } satisfies RouteDef);
  });

  it('lets a row state what differs: tags, limits, cache, needs', () => {
    const route = principalRoute({
      ...row,
      permission: 'widgets:read',
      tags: ['admin'],
      rateLimit: [],
      cache: { dataClass: 'user', perPrincipal: true },
      needs: ['redis'],
    });

    assert.deepEqual(
      [route.tags, route.rateLimit, route.cache, route.needs],
      [['admin'], [], { dataClass: 'user', perPrincipal: true }, ['redis']],
    );
  });

  it('leaves `needs` out when neither the feature nor the row names any', () => {
    const route = routeBuilders({ tags: ['widgets'] }).publicRoute(row);

    assert.equal('needs' in route, false);
  });

  it("still runs defineRoute's checks", () => {
    assert.throws(() => publicRoute({ ...row, path: '/v1/widgets/{widgetId}' }), /\{widgetId\} missing/);
    assert.throws(
      () => principalRoute({ ...row, path: 'v1/widgets', permission: 'widgets:read' }),
      /must start/,
    );
  });

  it('keeps a public row from naming a permission and a principal row from omitting one', () => {
    // @ts-expect-error a public route has no permission to name
    assert.throws(() => publicRoute({ ...row, permission: 'widgets:read' }), /cannot require permission/);
    // @ts-expect-error an authenticated route must name its permission
    assert.throws(() => principalRoute({ ...row, permission: null }), /must name its permission/);
  });
});

describe('HttpRequest: principal typing', () => {
  const { publicRoute, principalRoute } = routeBuilders({ tags: ['widgets'] });
  const base = {
    method: 'GET',
    path: '/v1/widgets',
    handler: 'functions/widgets/handlers/list.ts',
    summary: 'List widgets',
    responses: {},
  } as const;
  const authenticated = principalRoute({ ...base, id: 'widgets.mine', permission: 'widgets:read' });
  const open = publicRoute({ ...base, id: 'widgets.all' });
  const alice: Principal = {
    id: 'u-1',
    kind: 'user',
    roles: [],
    permissions: [],
    sessionId: null,
    orgId: null,
    authTime: null,
  };

  // These compile only while the types hold; tsc (npm run lint) checks them, the runtime lines
  // keep them from being dead code.
  it('is a Principal on an authenticated route and may be null on a public one', () => {
    const onAuthenticated: HttpRequest<typeof authenticated>['principal'] = alice;
    const id: string = onAuthenticated.id;
    const onPublic: HttpRequest<typeof open>['principal'] = null;
    // @ts-expect-error a public route's principal may be null, so it does not narrow to Principal
    const narrowed: Principal = onPublic;

    assert.deepEqual([id, narrowed], ['u-1', null]);
  });

  it('is a Principal on an authenticated row written with defineRoute as well', () => {
    const defined = defineRoute({
      ...base,
      id: 'widgets.defined',
      tags: [],
      auth: 'principal',
      permission: 'x:y',
      rateLimit: [],
      cache: null,
    });
    // @ts-expect-error null is not a caller of an authenticated route
    const nobody: HttpRequest<typeof defined>['principal'] = null;

    assert.equal(nobody, null);
  });
});
