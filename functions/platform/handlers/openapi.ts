import { httpHandler } from '#shared/http/pipeline.ts';
import { openApiDocument } from '../domain/openapi-document.build.ts';
import { openapi } from '../routes.ts';

export const handler = httpHandler(openapi, async () => ({
  rawBody: openApiDocument,
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
