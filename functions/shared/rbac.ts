/**
 * Roles and the permissions they grant. Permissions are `<feature>:<action>` strings carried in the
 * access token, so routes check a permission and never a role: a role can change its grants here
 * without touching a handler. `grants` below is the one rule deciding whether held permissions
 * cover a requested one; every check (route pipeline, registration, API keys) goes through it.
 */
export const ROLES = ['admin', 'operator', 'developer', 'viewer', 'service'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'profile:read',
  'sessions:own',
  'totp:own',
  'keys:own',
  // Any user's API keys (rotate, schedule, status, collect, revoke); only admins (`*`) hold it.
  'keys:admin',
  'users:admin',
  'audit:read',
  'ratelimit:admin',
  'cache:admin',
  'monitoring:read',
  // Send a test alert, read the system info (config summary, build): admins only, through `*`.
  'monitoring:admin',
  'deployments:read',
  'deployments:write',
  // Rotate the JWT signing keys and read their state (admins only, through `*`).
  'signing-keys:admin',
  // Any person's consents, exports and erasures (admins only, through `*`); a signed-in user acts on
  // their own data without it (the GDPR routes check `principal.id === userId`).
  'gdpr:admin',
  // Their own consents (and GDPR requests): every person who signs in; the use cases then check
  // `principal.id === userId` unless the caller holds `gdpr:admin`. No API key may carry it.
  'gdpr:own',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

// What every person who signs in can do to their own account.
const SELF_SERVICE = [
  'profile:read',
  'sessions:own',
  'totp:own',
  'gdpr:own',
] as const satisfies readonly Permission[];

const byRole = {
  admin: ['*'],
  operator: [
    ...SELF_SERVICE,
    'keys:own',
    'audit:read',
    'deployments:read',
    'deployments:write',
    'ratelimit:admin',
    'cache:admin',
    'monitoring:read',
  ],
  developer: [...SELF_SERVICE, 'keys:own', 'deployments:read', 'deployments:write', 'monitoring:read'],
  viewer: [...SELF_SERVICE, 'deployments:read', 'monitoring:read'],
  // Machine callers (API keys) have no profile, sessions or second factor.
  service: ['deployments:read', 'deployments:write', 'monitoring:read'],
} as const satisfies Record<Role, readonly (Permission | '*')[]>;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly string[]>> = Object.freeze(byRole);

/**
 * The only permissions an API key may carry: exactly the `service` role's, no wildcard. A key acts
 * as a machine caller, never as the person who made it: with `sessions:own`, `totp:own`,
 * `profile:read`, `keys:own` or `users:admin` a leaked key could list and revoke its owner's
 * sessions or turn on a second factor and lock the owner out. Creation refuses anything else and
 * the authorizer drops anything else from keys that already exist.
 */
export const API_KEY_PERMISSIONS: readonly Permission[] = Object.freeze([...byRole.service]);

export function isApiKeyPermission(permission: string): boolean {
  return (API_KEY_PERMISSIONS as readonly string[]).includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Union of the roles' permissions, sorted; roles this build does not know grant nothing. */
export function permissionsFor(roles: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const role of roles) {
    if (!isRole(role)) continue;
    for (const permission of ROLE_PERMISSIONS[role]) granted.add(permission);
  }
  return [...granted].sort();
}

/**
 * The one permission rule: `*` grants everything, `feature:*` grants every action of that feature,
 * anything else grants exactly itself. A wildcard is only ever on the holder's side: requesting
 * `keys:*` needs `keys:*` (or `*`), not merely `keys:own`.
 */
export function grants(held: readonly string[], permission: string): boolean {
  const featureWildcard = `${permission.split(':')[0]}:*`;
  return held.some((p) => p === '*' || p === permission || p === featureWildcard);
}

/**
 * What both sets grant, under the one rule above: each permission of one set that the other
 * grants. `['*']` ∩ `['deployments:read']` is `['deployments:read']`; sorted, no duplicates.
 */
export function intersectPermissions(a: readonly string[], b: readonly string[]): string[] {
  const both = new Set<string>();
  for (const permission of a) if (grants(b, permission)) both.add(permission);
  for (const permission of b) if (grants(a, permission)) both.add(permission);
  return [...both].sort();
}
