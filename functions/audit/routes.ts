import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';

const { principalRoute } = routeBuilders({ tags: ['admin'] });

export const listAudit = principalRoute({
  id: 'audit.list',
  method: 'GET',
  path: '/v1/audit',
  handler: 'functions/audit/handlers/list.ts',
  summary: 'Audit trail of one subject (e.g. user:<id>, or signing-keys), newest first',
  permission: 'audit:read',
  needs: ['events:read', 'redis'],
  request: {
    query: z.object({
      // `signing-keys`: the one subject without an id (every signing-key stage change).
      subject: z
        .string()
        .regex(/^(?:[a-z]+:[A-Za-z0-9_-]{1,128}|signing-keys)$/, 'kind:id, e.g. user:<id>, or signing-keys'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.coerce.number().int().min(1).optional(),
    }),
  },
  responses: {
    200: {
      description: 'Events',
      schema: z.object({ items: z.array(z.record(z.string(), z.unknown())), next: z.number().nullable() }),
    },
  },
});
