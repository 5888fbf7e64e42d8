import * as z from 'zod';
import { routeBuilders } from '#shared/http/route.ts';

const { principalRoute } = routeBuilders({ tags: ['admin'] });

export const listAudit = principalRoute({
  id: 'audit.list',
  method: 'GET',
  path: '/v1/audit',
  handler: 'functions/audit/handlers/list.ts',
  summary: 'Audit trail of one subject (e.g. user:<id>), newest first',
  permission: 'audit:read',
  needs: ['events:read', 'redis'],
  request: {
    query: z.object({
      subject: z.string().regex(/^[a-z]+:[A-Za-z0-9_-]{1,128}$/, 'kind:id, e.g. user:<id>'),
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
