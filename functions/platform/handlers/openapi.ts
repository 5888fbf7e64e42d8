import { routes } from '#functions/routes.ts';
import { buildInfoFromEnv } from '#shared/config/build.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { buildOpenApi } from '../domain/openapi.ts';
import { openapi } from '../routes.ts';

// Built once per container: the route table cannot change while the code runs.
const document = JSON.stringify(buildOpenApi(routes, { version: buildInfoFromEnv().version }));

export const handler = httpHandler(openapi, async () => ({
  rawBody: document,
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
