import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { ROLES } from '#shared/rbac.ts';
import { SIGNING_KEYS_TAG } from './domain/cache-tags.ts';

const email = z.email().max(254);
const password = z.string().min(12, 'at least 12 characters').max(128);
const tokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
  tokenType: z.literal('Bearer'),
  sessionId: z.string(),
});
const profile = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  orgId: z.string(),
  createdAt: z.string(),
  totpEnabled: z.boolean(),
});
const session = z.object({
  sessionId: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  current: z.boolean(),
  revokedAt: z.string().nullable(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
});
const code = z.string().trim().min(6).max(32);
// Step-up: changes that could take the account over need the password unless the login is recent.
const stepUpPassword = z.string().min(1).max(128).optional();
const stepUpRefused = {
  description: '`step-up-required` (send `password`), or `invalid-credentials` (wrong password)',
};
const stepUpLocked = { description: '`step-up-locked` or `second-factor-locked`, with Retry-After' };

const needs = ['app:readWrite', 'events:append', 'signingKeys:read', 'auth', 'redis'] as const;
const { publicRoute, principalRoute } = routeBuilders({ tags: ['identity'], needs });

const newAccount = z.strictObject({ email, password, name: z.string().trim().min(1).max(100) });

export const register = publicRoute({
  id: 'auth.register',
  method: 'POST',
  path: '/v1/auth/register',
  handler: 'functions/auth/handlers/register.ts',
  summary: 'Create an account where registration is open; the same answer whether the email was taken or not',
  rateLimit: ['global', 'auth_register'],
  request: { body: newAccount },
  responses: {
    202: {
      description: 'Accepted: the account exists now unless the email was taken (not said, on purpose)',
      schema: z.object({ status: z.literal('accepted'), detail: z.string() }),
    },
    403: { description: 'Registration on this stage is by administrators only (`POST /v1/admin/users`)' },
  },
});

export const createUser = principalRoute({
  id: 'auth.createUser',
  method: 'POST',
  path: '/v1/admin/users',
  handler: 'functions/auth/handlers/create-user.ts',
  summary: 'Create an account for someone (every stage; the only way where registration is by admins)',
  tags: ['admin'],
  permission: 'users:admin',
  request: { body: newAccount },
  responses: {
    201: { description: 'Created', schema: profile },
    409: { description: 'Email already registered' },
  },
});

export const login = publicRoute({
  id: 'auth.login',
  method: 'POST',
  path: '/v1/auth/login',
  handler: 'functions/auth/handlers/login.ts',
  summary: 'Password login, with a TOTP or backup code when two-factor is on',
  // Per IP across accounts (spraying), per (IP, account) (blocks one source's guesses), per account
  // from anywhere (distributed guessing; asked last, only for attempts the others admitted).
  rateLimit: ['global', 'auth_login_ip', 'auth_login', 'auth_login_account'],
  needs: [...needs, 'dataKey:read'],
  request: { body: z.strictObject({ email, password: z.string().min(1).max(128), totp: code.optional() }) },
  responses: {
    200: { description: 'Token pair', schema: tokenPair },
    401: { description: 'Wrong credentials, or `second-factor-required`' },
    429: { description: 'Too many attempts, or `second-factor-locked` (with Retry-After)' },
  },
});

export const refresh = publicRoute({
  id: 'auth.refresh',
  method: 'POST',
  path: '/v1/auth/refresh',
  handler: 'functions/auth/handlers/refresh.ts',
  summary: 'Rotate a refresh token; reuse of a rotated token revokes the session',
  // The successor of a rotated token is derived with a key from the data-key secret.
  needs: [...needs, 'dataKey:read'],
  request: { body: z.strictObject({ refreshToken: z.string().min(1).max(128) }) },
  responses: {
    200: { description: 'New token pair', schema: tokenPair },
    401: { description: 'Invalid or reused' },
  },
});

export const logout = principalRoute({
  id: 'auth.logout',
  method: 'POST',
  path: '/v1/auth/logout',
  handler: 'functions/auth/handlers/logout.ts',
  summary: 'Revoke the current session',
  permission: 'sessions:own',
  responses: { 204: { description: 'Session revoked' } },
});

export const listSessions = principalRoute({
  id: 'auth.listSessions',
  method: 'GET',
  path: '/v1/auth/sessions',
  handler: 'functions/auth/handlers/list-sessions.ts',
  summary: 'My sessions',
  permission: 'sessions:own',
  responses: { 200: { description: 'Sessions', schema: z.object({ items: z.array(session) }) } },
});

export const revokeSession = principalRoute({
  id: 'auth.revokeSession',
  method: 'DELETE',
  path: '/v1/auth/sessions/{sessionId}',
  handler: 'functions/auth/handlers/revoke-session.ts',
  summary: 'Revoke one of my sessions',
  permission: 'sessions:own',
  request: { params: z.object({ sessionId: z.uuid() }) },
  responses: { 204: { description: 'Revoked' }, 404: { description: 'No such session of yours' } },
});

export const me = principalRoute({
  id: 'auth.me',
  method: 'GET',
  path: '/v1/me',
  handler: 'functions/auth/handlers/me.ts',
  summary: 'My profile',
  permission: 'profile:read',
  cache: { dataClass: 'user', perPrincipal: true },
  responses: { 200: { description: 'Profile', schema: profile } },
});

export const totpEnroll = principalRoute({
  id: 'auth.totpEnroll',
  method: 'POST',
  path: '/v1/auth/totp/enroll',
  handler: 'functions/auth/handlers/totp-enroll.ts',
  summary: 'Start two-factor enrolment: secret, otpauth URI and QR code',
  permission: 'totp:own',
  needs: [...needs, 'dataKey:read'],
  request: { body: z.strictObject({ password: stepUpPassword }).optional() },
  responses: {
    200: {
      description: 'Enrolment',
      schema: z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() }),
    },
    401: stepUpRefused,
    429: stepUpLocked,
  },
});

export const totpActivate = principalRoute({
  id: 'auth.totpActivate',
  method: 'POST',
  path: '/v1/auth/totp/activate',
  handler: 'functions/auth/handlers/totp-activate.ts',
  summary: 'Confirm enrolment with a code; returns 10 one-time backup codes, shown once',
  permission: 'totp:own',
  needs: [...needs, 'dataKey:read'],
  request: { body: z.strictObject({ code, password: stepUpPassword }) },
  responses: {
    200: { description: 'Backup codes', schema: z.object({ backupCodes: z.array(z.string()) }) },
    401: { description: '`invalid-second-factor`, or a step-up refusal' },
    429: stepUpLocked,
  },
});

export const totpDisable = principalRoute({
  id: 'auth.totpDisable',
  method: 'POST',
  path: '/v1/auth/totp/disable',
  handler: 'functions/auth/handlers/totp-disable.ts',
  summary: 'Turn two-factor off with a current code or a backup code',
  permission: 'totp:own',
  needs: [...needs, 'dataKey:read'],
  request: {
    body: z.union([
      z.strictObject({ code, password: stepUpPassword }),
      z.strictObject({ backupCode: code, password: stepUpPassword }),
    ]),
  },
  responses: {
    204: { description: 'Disabled' },
    401: { description: '`invalid-second-factor`, or a step-up refusal' },
    429: stepUpLocked,
  },
});

export const jwks = publicRoute({
  id: 'auth.jwks',
  method: 'GET',
  path: '/.well-known/jwks.json',
  handler: 'functions/auth/handlers/jwks.ts',
  summary: 'Public keys that verify access tokens, by kid',
  rateLimit: [],
  needs: ['signingKeys:read', 'redis'],
  // A key-set change must show in the very next response (tokens signed with a new key verify).
  cache: { dataClass: 'configuration', perPrincipal: false, tags: [SIGNING_KEYS_TAG], confirmEveryHit: true },
  responses: {
    200: { description: 'JWK set', schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
  },
});

export const setRoles = principalRoute({
  id: 'auth.setRoles',
  method: 'POST',
  path: '/v1/admin/users/{userId}/roles',
  handler: 'functions/auth/handlers/set-roles.ts',
  summary: "Replace a user's roles",
  tags: ['admin'],
  permission: 'users:admin',
  request: {
    params: z.object({ userId: z.uuid() }),
    body: z.strictObject({
      roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
      password: stepUpPassword,
    }),
  },
  responses: {
    200: { description: 'Updated profile', schema: profile },
    401: stepUpRefused,
    429: stepUpLocked,
    404: { description: 'No such user' },
  },
});

// Stage (label of the version holding the key), age and the next rotation, per signing key.
const signingKeyState = z.object({
  kid: z.string(),
  stage: z.enum(['AWSCURRENT', 'AWSPREVIOUS', 'AWSPENDING']),
  versionId: z.string(),
  createdAt: z.string(),
  ageSeconds: z.number().int(),
});
const signingKeyStatus = z.object({
  keys: z.array(signingKeyState),
  rotation: z.object({
    everyDays: z.number().int(),
    rotatedBy: z.enum(['secrets-manager', 'nimbus']),
    nextRotationAt: z.string().nullable(),
    pendingVersionId: z.string().nullable(),
  }),
});

export const rotateSigningKeys = principalRoute({
  id: 'auth.rotateSigningKeys',
  method: 'POST',
  path: '/v1/admin/signing-keys/rotate',
  handler: 'functions/auth/handlers/rotate-signing-keys.ts',
  summary:
    'Rotate the JWT signing key now: RotateSecret where the target runs the rotation function, the same four steps run by Nimbus elsewhere',
  tags: ['admin'],
  permission: 'signing-keys:admin',
  // Writes the secret's versions, audits, invalidates the key-set tag; no identity store.
  needs: ['signingKeys:rotate', 'events:append', 'redis'],
  responses: {
    200: {
      description: 'Rotated: the new key signs; the previous one still verifies',
      schema: signingKeyStatus.extend({
        outcome: z.literal('rotated'),
        kid: z.string(),
        versionId: z.string(),
      }),
    },
    202: {
      description: 'Started: Secrets Manager runs the rotation function (the new kid shows in the status)',
      schema: signingKeyStatus.extend({
        outcome: z.literal('started'),
        kid: z.null(),
        versionId: z.string(),
      }),
    },
    409: { description: '`rotation-in-progress`: a version is already AWSPENDING' },
  },
});

export const signingKeysStatus = principalRoute({
  id: 'auth.signingKeysStatus',
  method: 'GET',
  path: '/v1/admin/signing-keys/status',
  handler: 'functions/auth/handlers/signing-keys-status.ts',
  summary: 'Signing keys with their stage and age, and the next scheduled rotation',
  tags: ['admin'],
  permission: 'signing-keys:admin',
  // Reads only: the versions and their labels, and (from the same binding) how they rotate;
  // Redis for the route's rate limits.
  needs: ['signingKeys:read', 'redis'],
  responses: { 200: { description: 'Signing keys', schema: signingKeyStatus } },
});

export const authRoutes = [
  register,
  createUser,
  login,
  refresh,
  logout,
  listSessions,
  revokeSession,
  me,
  totpEnroll,
  totpActivate,
  totpDisable,
  jwks,
  setRoles,
  rotateSigningKeys,
  signingKeysStatus,
] as const;
