import { gdprDeps } from '#functions/compose/gdpr.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { getExport as route } from '../routes.ts';
import { readExport } from '../use-cases/exports.ts';

const deps = gdprDeps();

export const handler = httpHandler(route, async ({ principal, params }) => ({
  status: 200,
  body: await readExport(deps, principal, params.exportId),
}));
