import { httpHandler } from '#shared/http/pipeline.ts';
import { healthLive } from '../routes.ts';

const startedAt = Date.now();

export const handler = httpHandler(healthLive, async () => ({
  body: { status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
}));
