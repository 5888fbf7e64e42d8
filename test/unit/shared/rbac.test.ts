import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRole, PERMISSIONS, permissionsFor, ROLE_PERMISSIONS, ROLES } from '#shared/rbac.ts';

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
