import { fork } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/config/names.ts';

export interface ServerStats {
  readonly requests: number;
  /** HTTP requests the server's Upstash client sent to the bridge (Redis round trips). */
  readonly bridgeRequests: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export type ServerMessage = { readonly url: string } | { readonly stats: ServerStats };

export interface ServerProcess {
  readonly url: string;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * Forks test/bench/serve.ts in `mode` on this Node binary, with `env` added to the environment
 * (the functions read theirs at init). Its stdout (EMF lines) is discarded, stderr shown.
 */
export function startServer(
  mode: 'bridge' | 'nimbus' | 'bare',
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = fork(join(REPO_ROOT, 'test', 'bench', 'serve.ts'), [mode], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`serve.ts ${mode} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.ts ${mode} exited with ${code} before listening`));
    });
    child.once('message', (message: ServerMessage) => {
      clearTimeout(timer);
      if (!('url' in message)) return reject(new Error(`serve.ts ${mode}: unexpected first message`));
      resolve({
        url: message.url,
        stats: () =>
          new Promise((resolveStats) => {
            const onMessage = (reply: ServerMessage) => {
              if ('stats' in reply) {
                child.off('message', onMessage);
                resolveStats(reply.stats);
              }
            };
            child.on('message', onMessage);
            child.send('stats');
          }),
        stop: async () => {
          if (child.exitCode === null && child.connected) child.send('stop');
          const timeout = setTimeout(() => child.kill(), 5_000);
          await exited;
          clearTimeout(timeout);
        },
      });
    });
  });
}
