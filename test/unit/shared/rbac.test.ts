import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_KEY_PERMISSIONS,
  grants,
  intersectPermissions,
  isApiKeyPermission,
  isRole,
  PERMISSIONS,
  permissionsFor,
  ROLE_PERMISSIONS,
  ROLES,
} from '#shared/rbac.ts';

describe('rbac', () => {
  it('gives admin every permission through *', () => {
    assert.deepEqual(permissionsFor(['admin']), ['*']);
  });

  it('lets a viewer read but not manage keys', () => {
    const viewer = permissionsFor(['viewer']);

    assert.ok(viewer.includes('deployments:read'));
    assert.ok(!viewer.includes('keys:own'));
    assert.ok(!viewer.includes('deployments:write'));
  });

  it('gives every human role its own profile, sessions and second factor', () => {
    for (const role of ['operator', 'developer', 'viewer'] as const) {
      for (const permission of ['profile:read', 'sessions:own', 'totp:own']) {
        assert.ok(ROLE_PERMISSIONS[role].includes(permission), `${role} lacks ${permission}`);
      }
    }
  });

  it('lets developers and operators own keys, and only admins manage users', () => {
    assert.ok(permissionsFor(['developer']).includes('keys:own'));
    assert.ok(permissionsFor(['operator']).includes('keys:own'));
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      assert.ok(!ROLE_PERMISSIONS[role].includes('users:admin'), role);
    }
  });

  it('lets operators read the audit log and developers not', () => {
    assert.ok(permissionsFor(['operator']).includes('audit:read'));
    assert.ok(!permissionsFor(['developer']).includes('audit:read'));
  });

  it('gives services deployments and monitoring only', () => {
    assert.deepEqual(permissionsFor(['service']), [
      'deployments:read',
      'deployments:write',
      'monitoring:read',
    ]);
  });

  it('unions several roles, sorted and without duplicates', () => {
    const union = permissionsFor(['viewer', 'developer', 'viewer']);

    assert.deepEqual(union, [...new Set(union)].sort());
    assert.deepEqual(union, permissionsFor(['developer']));
  });

  it('ignores roles it does not know', () => {
    assert.deepEqual(
      permissionsFor(['root', '__proto__', 'constructor', 'viewer']),
      permissionsFor(['viewer']),
    );
    assert.deepEqual(permissionsFor(['superuser']), []);
  });

  it('only grants known permissions', () => {
    const known = new Set<string>([...PERMISSIONS, '*']);
    for (const role of ROLES) {
      for (const permission of ROLE_PERMISSIONS[role]) assert.ok(known.has(permission), permission);
    }
  });

  it('recognises roles exactly', () => {
    assert.equal(isRole('admin'), true);
    assert.equal(isRole('Admin'), false);
    assert.equal(isRole('toString'), false);
  });
});

describe('grants', () => {
  it('grants a permission held exactly', () => {
    assert.equal(grants(['keys:own', 'audit:read'], 'audit:read'), true);
  });

  it('grants everything to `*`', () => {
    assert.equal(grants(['*'], 'users:admin'), true);
    assert.equal(grants(['*'], 'anything:at-all'), true);
  });

  it('grants every action of a feature to `feature:*`', () => {
    assert.equal(grants(['users:*'], 'users:admin'), true);
    assert.equal(grants(['deployments:*'], 'deployments:write'), true);
  });

  it('does not let a feature wildcard reach another feature', () => {
    assert.equal(grants(['users:*'], 'audit:read'), false);
    assert.equal(grants(['user:*'], 'users:admin'), false);
  });

  it('refuses what is not held, and grants nothing from an empty list', () => {
    assert.equal(grants(['deployments:read'], 'deployments:write'), false);
    assert.equal(grants([], 'profile:read'), false);
  });

  it('reads a wildcard only on the holder side: a requested `feature:*` needs the wildcard itself', () => {
    assert.equal(grants(['keys:own'], 'keys:*'), false);
    assert.equal(grants(['keys:*'], 'keys:*'), true);
  });

  it('matches case-sensitively, as permissions are written in the route table', () => {
    assert.equal(grants(['Audit:read'], 'audit:read'), false);
  });

  it('agrees with the roles: admin holds every known permission, viewer not users:admin', () => {
    for (const permission of PERMISSIONS) assert.equal(grants(permissionsFor(['admin']), permission), true);
    assert.equal(grants(permissionsFor(['viewer']), 'users:admin'), false);
  });
});

describe('API_KEY_PERMISSIONS', () => {
  it('is the service role, and holds nothing that acts on a person account', () => {
    assert.deepEqual([...API_KEY_PERMISSIONS].sort(), [...ROLE_PERMISSIONS.service].sort());
    for (const personal of ['profile:read', 'sessions:own', 'totp:own', 'keys:own', 'users:admin', '*']) {
      assert.equal(isApiKeyPermission(personal), false, personal);
    }
  });
});

describe('intersectPermissions', () => {
  it('keeps what both sets grant, wildcards on either side included, sorted', () => {
    assert.deepEqual(intersectPermissions(['*'], ['deployments:read', 'audit:read']), [
      'audit:read',
      'deployments:read',
    ]);
    assert.deepEqual(intersectPermissions(['deployments:*'], ['deployments:read', 'audit:read']), [
      'deployments:read',
    ]);
    assert.deepEqual(intersectPermissions(['keys:own', 'audit:read'], ['keys:own']), ['keys:own']);
    assert.deepEqual(intersectPermissions(['*'], ['*']), ['*']);
    assert.deepEqual(intersectPermissions(['users:admin'], []), []);
  });
});
