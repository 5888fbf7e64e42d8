/**
 * A private redis-server (own port, no persistence) behind its own Upstash REST bridge, for tests
 * that need to stop and restart Redis mid-test without disturbing anything else. Needs
 * `redis-server` on PATH (or REDIS_SERVER_BIN).
 *
 *   const sandbox = await startRedisSandbox();
 *   const redis = new Redis({ url: sandbox.url, token: sandbox.token });
 *   await sandbox.stopRedis();   // the bridge now answers 503 at once
 *   await sandbox.startRedis();  // same port; the bridge reconnects by itself (≤ 1 s)
 *   await sandbox.close();       // always, in `after`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { type RateLimitSettings, rateLimitEnvironment } from '../../functions/shared/config/rate-limits.ts';
import { redisEnvironment } from '../../functions/shared/config/redis.ts';
import { type Bridge, startBridge } from '../../localstack/bridge/upstash-bridge.ts';

export interface RedisSandbox {
  /** Bridge URL for `new Redis({ url, token })`. */
  readonly url: string;
  readonly token: string;
  /** Direct redis:// URL of the server, e.g. for ioredis. */
  readonly redisUrl: string;
  /** Kills redis-server (as a crash would) and waits until it is gone. Data is lost. */
  stopRedis(): Promise<void>;
  /** Starts redis-server again on the same port and waits until it answers PING. */
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;

export async function startRedisSandbox(): Promise<RedisSandbox> {
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  const token = `sandbox-${randomUUID()}`;
  let server: ChildProcess | undefined;
  // A test that dies before `close` must not leave a redis-server behind.
  const killOnExit = () => server?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const startRedis = async (): Promise<void> => {
    if (server !== undefined) throw new Error('redis-server is already running');
    const child = spawn(
      process.env.REDIS_SERVER_BIN ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
      { stdio: 'ignore' },
    );
    server = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot start redis-server: ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`redis-server exited early with code ${code}`)));
    });
    try {
      await Promise.race([waitForPong(port), failed]);
    } catch (error) {
      child.kill('SIGKILL');
      server = undefined;
      throw error;
    }
  };

  const stopRedis = async (): Promise<void> => {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };

  await startRedis();
  let bridge: Bridge;
  try {
    bridge = await startBridge({ port: 0, redisUrl, token });
  } catch (error) {
    await stopRedis();
    process.off('exit', killOnExit);
    throw error;
  }

  return {
    url: bridge.url,
    token,
    redisUrl,
    stopRedis,
    startRedis,
    close: async () => {
      try {
        await bridge.close();
      } finally {
        await stopRedis();
        process.off('exit', killOnExit);
      }
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * What a rate-limited function reads at init, pointed at a sandbox: written by the same contract
 * writers the CDK uses, with the identifier key given directly (tests have no bound secret).
 */
export function limiterEnvironment(
  sandbox: RedisSandbox,
  settings: RateLimitSettings,
): Record<string, string> {
  return {
    ...redisEnvironment({ restUrl: sandbox.url, token: sandbox.token }),
    ...rateLimitEnvironment({ identifierKey: `it-${randomUUID()}`, ...settings }),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}
