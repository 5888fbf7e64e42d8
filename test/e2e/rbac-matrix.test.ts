import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { routes } from '../../functions/routes.ts';
import { hasPermission } from '../../functions/shared/http/principal.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { permissionsFor, ROLES, type Role } from '../../functions/shared/rbac.ts';
import { bearer, json, localAdmin, loginAs, registerUser } from '../support/identity.ts';
import { call } from '../support/stack.ts';

// Every route of the route table × every role, through the deployed API: the expected answer is
// computed from the route's permission and the role's grants, so a new route is covered at once.
// A `{userId}` is the caller's own id: a route a person may call on themselves (GDPR) answers 403
// from its use case for anyone else, which the pipeline's permission check is not about.
const concretePath = (route: RouteDef, self: string) =>
  route.path.replace(/\{([^}]+)\}/g, (_, name: string) => (name === 'userId' ? self : randomUUID()));

function request(
  route: RouteDef,
  headers: Record<string, string>,
  self: string = randomUUID(),
): Promise<Awaited<ReturnType<typeof call>>> {
  const path = concretePath(route, self);
  if (route.method === 'GET' || route.method === 'DELETE')
    return call(path, { method: route.method, headers });
  return call(path, { ...json({}, headers), method: route.method });
}

// Logging out revokes the caller's session, so it runs after everything else a role does.
const ordered = [...routes].sort((a, b) => Number(a.id === 'auth.logout') - Number(b.id === 'auth.logout'));
const protectedRoutes = ordered.filter((route) => route.auth === 'principal');

describe('permission matrix: route table × roles', () => {
  const tokens = new Map<Role, string>();
  const ids = new Map<Role, string>();

  before(async () => {
    const admin = await loginAs(localAdmin().email, localAdmin().password);
    for (const role of ROLES) {
      const user = await registerUser(`rbac-${role}`);
      const set = await call(
        `/v1/admin/users/${user.id}/roles`,
        json({ roles: [role] }, bearer(admin.accessToken)),
      );
      assert.equal(set.status, 200, set.text);
      tokens.set(role, (await loginAs(user.email)).accessToken);
      ids.set(role, user.id);
    }
  });

  for (const role of ROLES) {
    it(`${role}: allowed routes pass the permission check, the others answer 403`, async () => {
      const principal = {
        id: 'matrix',
        kind: 'user' as const,
        roles: [role],
        permissions: permissionsFor([role]),
        sessionId: null,
        orgId: null,
        authTime: null,
      };
      const token = tokens.get(role);
      assert.ok(token);
      const mismatches: string[] = [];
      for (const route of protectedRoutes) {
        const allowed = hasPermission(principal, route.permission ?? '');
        const res = await request(route, bearer(token), ids.get(role));
        const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
        if (!ok)
          mismatches.push(
            `${route.method} ${route.path}: expected ${allowed ? 'allow' : '403'}, got ${res.status}`,
          );
      }
      assert.deepEqual(mismatches, []);
    });
  }

  it('anonymous: protected routes answer 401, public routes do not ask for credentials', async () => {
    const mismatches: string[] = [];
    for (const route of ordered) {
      if (route.id === 'auth.login' || route.id === 'auth.register') continue; // rate-limited; covered elsewhere
      const res = await request(route, {});
      const ok = route.auth === 'principal' ? res.status === 401 : res.status !== 401 && res.status !== 403;
      if (!ok) mismatches.push(`${route.method} ${route.path}: got ${res.status}`);
    }
    assert.deepEqual(mismatches, []);
  });
});
