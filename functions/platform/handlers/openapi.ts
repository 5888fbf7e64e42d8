import { routes } from '#functions/routes.ts';
import { optionalEnv } from '#shared/env.ts';
import { httpHandler } from '#shared/http/pipeline.ts';
import { buildOpenApi } from '../domain/openapi.ts';
import { openapi } from '../routes.ts';

// Built once per container: the route table cannot change while the code runs.
const document = JSON.stringify(buildOpenApi(routes, { version: optionalEnv('NIMBUS_VERSION', '0.0.0') }));

export const handler = httpHandler(openapi, async () => ({
  rawBody: document,
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
