import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '#lib/config/names.ts';
import { quietPowertools } from '../support/apigw.ts';

/** The route a handler module's `handler` was built from (`httpHandler` exposes it). */
function servedRoute(module: unknown): { readonly id: unknown } | undefined {
  if (typeof module !== 'object' || module === null || !('handler' in module)) return undefined;
  const handler = module.handler;
  if (typeof handler !== 'function' || !('route' in handler)) return undefined;
  const route = handler.route;
  return typeof route === 'object' && route !== null && 'id' in route ? route : undefined;
}

let routes: typeof import('#functions/routes.ts').routes;

before(async () => {
  quietPowertools();
  // What the handler modules read at init (clients are built, nothing is called): dummy values,
  // so that importing a module proves its wiring and nothing else.
  const { functionEnvironment } = await import('../support/function-env.ts');
  Object.assign(process.env, { ...functionEnvironment(), AWS_REGION: 'eu-west-1' });
  ({ routes } = await import('#functions/routes.ts'));
});

describe('route table: handlers', () => {
  it('has rows to check', () => {
    assert.ok(routes.length > 0);
  });

  // One row, one entry file, one Lambda: a handler that imported a neighbour's row would run
  // that row's permission, validation, limits and cache policy under this row's path.
  it('wires every row to a handler module built from that very row', async () => {
    const miswired: string[] = [];
    for (const row of routes) {
      const module: unknown = await import(pathToFileURL(resolve(REPO_ROOT, row.handler)).href);
      const served = servedRoute(module);
      if (served?.id !== row.id) {
        miswired.push(`${row.id}: ${row.handler} serves ${served ? String(served.id) : 'no route'}`);
      }
    }

    assert.deepEqual(miswired, []);
  });

  it('gives every row an entry file of its own', () => {
    const byHandler = new Map<string, string[]>();
    for (const row of routes) byHandler.set(row.handler, [...(byHandler.get(row.handler) ?? []), row.id]);

    const shared = [...byHandler].filter(([, ids]) => ids.length > 1);

    assert.deepEqual(shared, []);
  });
});

describe('route table: rate limits', () => {
  // Without Redis (and its binding) the limiter falls back to each scope's fail mode on every
  // request: a limited row must say it uses Redis, which is what binds it (the CDK adds the key).
  it('gives every rate-limited row the redis need', () => {
    const without = routes.filter((row) => row.rateLimit.length > 0 && !(row.needs ?? []).includes('redis'));

    assert.deepEqual(
      without.map((row) => row.id),
      [],
    );
  });

  // Regression (issue 9): the readiness probe reads DynamoDB and Redis on every call, unlimited.
  it('limits the readiness probe like every other route that reaches a dependency', () => {
    const ready = routes.find((row) => row.id === 'platform.healthReady');

    assert.deepEqual(ready?.rateLimit, ['global']);
  });

  it('limits login per IP, per (IP, account) and per account', () => {
    const login = routes.find((row) => row.id === 'auth.login');

    assert.deepEqual(login?.rateLimit, ['global', 'auth_login_ip', 'auth_login', 'auth_login_account']);
  });
});
