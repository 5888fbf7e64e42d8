/**
 * CLI entry: `node --import tsx localstack/bridge/main.ts`
 * Env: BRIDGE_PORT (8079), BRIDGE_HOST (127.0.0.1), REDIS_URL (redis://127.0.0.1:6379),
 * UPSTASH_REDIS_REST_TOKEN (local-dev-token).
 */
import { startBridge } from './upstash-bridge.ts';

const rawPort = process.env.BRIDGE_PORT ?? '8079';
const port = Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`invalid BRIDGE_PORT: ${rawPort}`);
  process.exit(1);
}

const bridge = await startBridge({
  port,
  host: process.env.BRIDGE_HOST || '127.0.0.1',
  redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  token: process.env.UPSTASH_REDIS_REST_TOKEN || 'local-dev-token',
  log: (message) => console.error(`[upstash-bridge] ${message}`),
});
console.log(`upstash bridge listening on ${bridge.url}`);

let closing = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (closing) return;
  closing = true;
  console.error(`[upstash-bridge] ${signal} received, shutting down`);
  bridge.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('[upstash-bridge] shutdown failed', err);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
