import { httpHandler } from '#shared/http/pipeline.ts';
import { auditDeps } from '../deps.ts';
import { listAudit as route } from '../routes.ts';
import { listAuditTrail } from '../use-cases/list.ts';

const deps = auditDeps();

export const handler = httpHandler(route, async ({ query }) => ({
  body: await listAuditTrail(deps, query.subject, { limit: query.limit, before: query.before }),
}));
