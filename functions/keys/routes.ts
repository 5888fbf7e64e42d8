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
});
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
    401: { description: '`step-up-required` (send `password`), or `invalid-credentials`' },
    403: { description: 'A requested permission is not yours to delegate' },
    429: { description: '`step-up-locked`, with Retry-After' },
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
  summary: 'Revoke one of my API keys (refused by every authorizer within 1 s)',
  permission: 'keys:own',
  request: { params: z.object({ keyId: z.uuid() }) },
  responses: { 204: { description: 'Revoked' }, 404: { description: 'No such key of yours' } },
});

export const keyRoutes = [createKey, listKeys, revokeKey] as const;
