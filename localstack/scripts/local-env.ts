import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/config/names.ts';

/** Where everything local lives: venv, pids, logs, outputs. Git-ignored. */
export const LOCAL_DIR = join(REPO_ROOT, '.local');
/** The project's Python venv: ministack and the Prometheus client, pinned. */
export const VENV = join(LOCAL_DIR, 'venv');
export const PID_DIR = join(LOCAL_DIR, 'pids');
export const LOG_DIR = join(LOCAL_DIR, 'logs');
export const OUTPUTS_FILE = join(LOCAL_DIR, 'outputs.json');
/** The local admin's credentials, written by `npm start` and read by the e2e tests. */
export const ADMIN_FILE = join(LOCAL_DIR, 'admin.json');

/** Pinned emulator version: checked against this repository's CDK app (see docs/decisions). */
export const MINISTACK_VERSION = '1.5.33';
/** The Prometheus Python client in the same venv: its parser checks the metrics exposition in tests. */
export const PROMETHEUS_CLIENT_VERSION = '0.26.0';
export const EMULATOR_PORT = Number(process.env.NIMBUS_EMULATOR_PORT ?? 4566);
export const EMULATOR_URL = `http://127.0.0.1:${EMULATOR_PORT}`;
export const REDIS_PORT = Number(process.env.NIMBUS_REDIS_PORT ?? 6379);
export const BRIDGE_PORT = Number(process.env.NIMBUS_BRIDGE_PORT ?? 8079);
export const STAGE = 'local';
export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';

/** The environment every AWS client and the CDK CLI get when talking to the emulator. */
export const AWS_ENV: Readonly<Record<string, string>> = {
  AWS_ENDPOINT_URL: EMULATOR_URL,
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  CDK_DEFAULT_ACCOUNT: ACCOUNT,
  CDK_DEFAULT_REGION: REGION,
};

export interface LocalOutputs {
  /** Base URL of the deployed API, reachable from this machine; ends without a slash. */
  readonly ApiUrl: string;
  readonly ApiId: string;
  readonly Stage: string;
  readonly EmulatorUrl: string;
  readonly RedisRestUrl: string;
  readonly AppTableName: string;
  readonly EventsTableName: string;
  readonly PersonalKeysTableName: string;
  readonly UpstashSecretArn: string;
  readonly SigningKeysSecretArn: string;
  readonly DataKeySecretArn: string;
  readonly RateLimitKeySecretArn: string;
}

export function log(message: string): void {
  process.stdout.write(`[nimbus] ${message}\n`);
}

export function ensureDirs(): void {
  for (const dir of [LOCAL_DIR, PID_DIR, LOG_DIR]) mkdirSync(dir, { recursive: true });
}

/** Runs a command to completion with inherited output; throws with its name on failure. */
export function run(command: string, args: readonly string[], env: Record<string, string> = {}): void {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${result.status ?? result.signal}`);
  }
}

export function runQuiet(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

/** Starts a long-running process detached from this one, logging to .local/logs/<name>.log. */
export function startDetached(
  name: string,
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): number {
  ensureDirs();
  const out = openSync(join(LOG_DIR, `${name}.log`), 'a');
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  child.unref();
  writeFileSync(join(PID_DIR, `${name}.pid`), String(child.pid));
  return child.pid;
}

export function readPid(name: string): number | undefined {
  const file = join(PID_DIR, `${name}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process this tooling started (its whole process group), then forgets it. */
export async function stopStarted(name: string): Promise<boolean> {
  const pid = readPid(name);
  rmSync(join(PID_DIR, `${name}.pid`), { force: true });
  if (pid === undefined || !isAlive(pid)) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // detached → its own process group: take the children (Lambda workers) too
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(
  label: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${label} did not come up within ${timeoutMs / 1000}s (logs in .local/logs)`);
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export function readOutputs(): LocalOutputs | undefined {
  if (!existsSync(OUTPUTS_FILE)) return undefined;
  return JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as LocalOutputs;
}
