import { httpHandler } from '#shared/http/pipeline.ts';
import { authConfigFromEnv } from '../config.ts';
import { jwks as route } from '../routes.ts';
import { keyring } from '../store/keyring.ts';

const config = authConfigFromEnv();

export const handler = httpHandler(route, async () => ({
  body: (await keyring(config)).jwks,
  // Verifiers may cache the set briefly; a new key is published before it signs anything.
  headers: { 'Cache-Control': 'public, max-age=300' },
}));
