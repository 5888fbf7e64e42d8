import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';
import { API_KEY_PERMISSIONS } from '#shared/rbac.ts';

const apiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  rotationEveryDays: z.number().nullable(),
});
const keyIdParams = z.object({ keyId: z.uuid() });
const stepUpPassword = z.string().min(1).max(128).optional();
// What every route that hands out a secret may answer about step-up.
const stepUpResponses = {
  401: { description: '`step-up-required` (send `password`), or `invalid-credentials`' },
  429: { description: '`step-up-locked`, with Retry-After' },
} as const;
const { principalRoute } = routeBuilders({
  tags: ['api-keys'],
  needs: ['app:readWrite', 'events:append', 'auth', 'redis'],
});

export const createKey = principalRoute({
  id: 'keys.create',
  method: 'POST',
  path: '/v1/keys',
  handler: 'functions/keys/handlers/create.ts',
  summary: 'Create a service API key; the key is shown once',
  permission: 'keys:own',
  request: {
    body: z.strictObject({
      name: z.string().trim().min(1).max(100),
      permissions: z
        .array(z.string().regex(/^[a-z]+:[a-z*]+$/, 'feature:action'))
        .min(1)
        .max(50),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
      // Step-up: needed unless the caller logged in with their password in the last few minutes.
      password: z.string().min(1).max(128).optional(),
    }),
  },
  responses: {
    201: { description: 'Created; `key` is never shown again', schema: apiKey.extend({ key: z.string() }) },
    400: {
      description: `A requested permission cannot be carried by an API key (only ${API_KEY_PERMISSIONS.join(', ')}); \`errors\` names each`,
    },
    403: { description: 'A requested permission is not yours to delegate' },
    ...stepUpResponses,
  },
});

export const listKeys = principalRoute({
  id: 'keys.list',
  method: 'GET',
  path: '/v1/keys',
  handler: 'functions/keys/handlers/list.ts',
  cache: { dataClass: 'user', perPrincipal: true },
  summary: 'My API keys (without the secrets)',
  permission: 'keys:own',
  responses: { 200: { description: 'Keys', schema: z.object({ items: z.array(apiKey) }) } },
});

export const revokeKey = principalRoute({
  id: 'keys.revoke',
  method: 'DELETE',
  path: '/v1/keys/{keyId}',
  handler: 'functions/keys/handlers/revoke.ts',
  summary:
    'Revoke one of my API keys (an admin: any key), every secret of it at once, overlap or not (refused by every authorizer within 1 s)',
  permission: 'keys:own',
  request: { params: keyIdParams },
  responses: { 204: { description: 'Revoked' }, 404: { description: 'No such key of yours' } },
});

export const rotateKey = principalRoute({
  id: 'keys.rotate',
  method: 'POST',
  path: '/v1/keys/{keyId}/rotate',
  handler: 'functions/keys/handlers/rotate.ts',
  summary:
    'Give one of my API keys (an admin: any key) a new secret, shown once; the old one works until the overlap ends',
  permission: 'keys:own',
  needs: ['app:readWrite', 'events:append', 'auth', 'redis', 'apiKeyRotation'],
  request: {
    params: keyIdParams,
    body: z.strictObject({
      // Bounds (0 to the stage's maximum) are the use case's: one rule, with the configured ceiling.
      overlapSeconds: z.number().int().optional(),
      password: stepUpPassword,
    }),
  },
  responses: {
    201: {
      description:
        'Rotated; `key` is never shown again. The old secret (`previousPrefix`) works until `overlapEndsAt`',
      schema: apiKey.extend({ key: z.string(), previousPrefix: z.string(), overlapEndsAt: z.string() }),
    },
    400: { description: '`overlapSeconds` outside 0 to the maximum' },
    404: { description: 'No such key of yours' },
    409: { description: 'The key is revoked or expired, or changed meanwhile' },
    ...stepUpResponses,
  },
});

const keyStatusItem = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  ageDays: z.number(),
  secretIssuedAt: z.string(),
  expiresAt: z.string().nullable(),
  daysToExpiry: z.number().nullable(),
  revokedAt: z.string().nullable(),
  rotation: z.object({ everyDays: z.number(), dueAt: z.string(), due: z.boolean() }).nullable(),
  lastUsedAt: z.string().nullable(),
  overlap: z.array(
    z.object({ prefix: z.string(), validUntil: z.string().nullable(), lastUsedAt: z.string().nullable() }),
  ),
  secretToCollect: z.boolean(),
});

export const keyStatus = principalRoute({
  id: 'keys.status',
  method: 'GET',
  path: '/v1/keys/status',
  handler: 'functions/keys/handlers/status.ts',
  summary:
    "My API keys' health (an admin: anyone's, with `ownerId`): age, expiry, rotation due, last use, old secrets still valid",
  permission: 'keys:own',
  needs: ['app:read', 'redis'],
  request: { query: z.object({ ownerId: z.string().min(1).max(128).optional() }) },
  responses: {
    200: { description: 'Status per key, newest first', schema: z.object({ items: z.array(keyStatusItem) }) },
    403: { description: '`ownerId` names someone else and the caller is no administrator' },
  },
});

const scheduleResponse = z.object({
  id: z.string(),
  everyDays: z.number().nullable(),
  dueAt: z.string().nullable(),
});

export const scheduleRotation = principalRoute({
  id: 'keys.schedule',
  method: 'PUT',
  path: '/v1/keys/{keyId}/rotation-schedule',
  handler: 'functions/keys/handlers/schedule.ts',
  summary:
    'Rotate one of my API keys (an admin: any key) every `everyDays`; the new secret waits for collection',
  permission: 'keys:own',
  request: { params: keyIdParams, body: z.strictObject({ everyDays: z.number().int().min(1).max(365) }) },
  responses: {
    200: { description: 'Scheduled; `dueAt` is the next rotation', schema: scheduleResponse },
    404: { description: 'No such key of yours' },
    409: { description: 'The key is revoked, or changed meanwhile' },
  },
});

export const unscheduleRotation = principalRoute({
  id: 'keys.unschedule',
  method: 'DELETE',
  path: '/v1/keys/{keyId}/rotation-schedule',
  handler: 'functions/keys/handlers/unschedule.ts',
  summary: 'Stop rotating one of my API keys (an admin: any key) on a schedule',
  permission: 'keys:own',
  request: { params: keyIdParams },
  responses: {
    204: { description: 'No schedule any more (also when there was none)' },
    404: { description: 'No such key of yours' },
    409: { description: 'The key is revoked, or changed meanwhile' },
  },
});

export const collectRotatedSecret = principalRoute({
  id: 'keys.collect',
  method: 'POST',
  path: '/v1/keys/{keyId}/rotated-secret',
  handler: 'functions/keys/handlers/collect.ts',
  summary: 'Collect, once, the secret a scheduled rotation made for one of my API keys (an admin: any key)',
  permission: 'keys:own',
  needs: ['app:readWrite', 'events:append', 'auth', 'redis', 'dataKey:read'],
  request: { params: keyIdParams, body: z.strictObject({ password: stepUpPassword }) },
  responses: {
    200: { description: '`key` is never shown again', schema: apiKey.extend({ key: z.string() }) },
    404: { description: 'No such key of yours, or no secret waiting' },
    ...stepUpResponses,
  },
});

export const keyRoutes = [
  createKey,
  listKeys,
  revokeKey,
  rotateKey,
  keyStatus,
  scheduleRotation,
  unscheduleRotation,
  collectRotatedSecret,
] as const;
