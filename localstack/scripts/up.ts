import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { REPO_ROOT, stackName } from '../../lib/config/names.ts';
import {
  ADMIN_FILE,
  AWS_ENV,
  BRIDGE_PORT,
  EMULATOR_PORT,
  EMULATOR_URL,
  ensureDirs,
  httpOk,
  isAlive,
  LOCAL_DIR,
  type LocalOutputs,
  log,
  MINISTACK_VERSION,
  OUTPUTS_FILE,
  PROMETHEUS_CLIENT_VERSION,
  portOpen,
  REDIS_PORT,
  readPid,
  run,
  runQuiet,
  STAGE,
  startDetached,
  stopStarted,
  VENV,
  waitFor,
} from './local-env.ts';

const LOCAL_ADMIN_EMAIL = 'admin@nimbus.local';
const MINISTACK_BIN = join(VENV, 'bin', 'ministack');
const NODE_BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin');

/** The version of a package installed in the project venv, or undefined. */
function installedInVenv(distribution: string): string | undefined {
  if (!existsSync(join(VENV, 'bin', 'python'))) return undefined;
  try {
    return runQuiet(join(VENV, 'bin', 'python'), [
      '-c',
      `import importlib.metadata as m; print(m.version(${JSON.stringify(distribution)}))`,
    ]).trim();
  } catch {
    return undefined;
  }
}

/**
 * The project venv, pinned: ministack, and the Prometheus Python client, whose text-format parser
 * (the reference implementation) the tests check the metrics exposition with.
 */
function ensureMinistackInstalled(): void {
  const pinned = { ministack: MINISTACK_VERSION, 'prometheus-client': PROMETHEUS_CLIENT_VERSION };
  const missing = Object.entries(pinned).filter(([name, version]) => installedInVenv(name) !== version);
  if (missing.length === 0) return;
  log(`installing ${missing.map(([name, version]) => `${name} ${version}`).join(', ')} into .local/venv`);
  if (!existsSync(join(VENV, 'bin', 'python'))) run('python3', ['-m', 'venv', VENV]);
  run(join(VENV, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    ...missing.map(([name, version]) => `${name}==${version}`),
  ]);
}

async function ensureEmulator(started: string[]): Promise<void> {
  if (await httpOk(`${EMULATOR_URL}/_ministack/health`)) return;
  if (await portOpen(EMULATOR_PORT)) {
    log(
      `port ${EMULATOR_PORT} is taken by something that is not ministack: assuming a LocalStack-compatible emulator`,
    );
    return;
  }
  ensureMinistackInstalled();
  log(`starting ministack on ${EMULATOR_URL}`);
  startDetached('ministack', MINISTACK_BIN, [], {
    ...AWS_ENV,
    GATEWAY_PORT: String(EMULATOR_PORT),
    // Lambda workers are host `node` processes: put the project's Node 22 (Lambda's major) first.
    PATH: `${NODE_BIN_DIR}:${process.env.PATH ?? ''}`,
  });
  started.push('ministack');
  await waitFor('ministack', () => httpOk(`${EMULATOR_URL}/_ministack/health`), 60_000);
}

async function ensureRedis(started: string[]): Promise<void> {
  if (await portOpen(REDIS_PORT)) return;
  log(`starting redis-server on 127.0.0.1:${REDIS_PORT}`);
  try {
    runQuiet('redis-server', ['--version']);
  } catch {
    throw new Error('redis-server is not installed: apt-get install redis-server (or brew install redis)');
  }
  startDetached(
    'redis',
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
  );
  started.push('redis');
  await waitFor('redis-server', () => portOpen(REDIS_PORT), 15_000);
}

function deploy(): void {
  const cdk = join(NODE_BIN_DIR, 'cdk');
  log('bootstrapping the emulator account (idempotent)');
  run(
    cdk,
    ['bootstrap', `aws://${AWS_ENV.CDK_DEFAULT_ACCOUNT}/${AWS_ENV.AWS_REGION}`, '--quiet', '--no-notices'],
    {
      ...AWS_ENV,
    },
  );
  log(`deploying all stacks with -c stage=${STAGE}`);
  run(
    cdk,
    [
      'deploy',
      '--all',
      '-c',
      `stage=${STAGE}`,
      '--require-approval',
      'never',
      '--no-notices',
      '--progress',
      'events',
      '--outputs-file',
      join(LOCAL_DIR, 'cdk-outputs.json'),
      // An emulator that runs functions in containers reaches the host's bridge by another name.
      ...(process.env.NIMBUS_FUNCTIONS_REDIS_URL
        ? ['-c', `redisRestUrl=${process.env.NIMBUS_FUNCTIONS_REDIS_URL}`]
        : []),
    ],
    { ...AWS_ENV },
  );
}

function collectOutputs(): LocalOutputs {
  const raw = JSON.parse(readFileSync(join(LOCAL_DIR, 'cdk-outputs.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const api = raw[stackName(STAGE, 'Api')] ?? {};
  const stateful = raw[stackName(STAGE, 'Stateful')] ?? {};
  const need = (stack: Record<string, string>, key: string): string => {
    const value = stack[key];
    if (value === undefined) throw new Error(`stack output ${key} missing from .local/cdk-outputs.json`);
    return value;
  };
  const apiId = need(api, 'ApiId');
  const stage = need(api, 'ApiStageName');
  return {
    // CDK's ApiUrl points at amazonaws.com; the emulator serves the same API under this path.
    ApiUrl: `${EMULATOR_URL}/_aws/execute-api/${apiId}/${stage}`,
    ApiId: apiId,
    Stage: stage,
    EmulatorUrl: EMULATOR_URL,
    RedisRestUrl: `http://127.0.0.1:${BRIDGE_PORT}`,
    AppTableName: need(stateful, 'AppTableName'),
    EventsTableName: need(stateful, 'EventsTableName'),
    PersonalKeysTableName: need(stateful, 'PersonalKeysTableName'),
    UpstashSecretArn: need(stateful, 'UpstashSecretArn'),
    SigningKeysSecretArn: need(stateful, 'SigningKeysSecretArn'),
    DataKeySecretArn: need(stateful, 'DataKeySecretArn'),
    RateLimitKeySecretArn: need(stateful, 'RateLimitKeySecretArn'),
  };
}

async function bridgeAccepts(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(['PING']),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok && ((await res.json()) as { result?: unknown }).result === 'PONG';
  } catch {
    return false;
  }
}

/** The bridge must accept the token the functions read from the deployed secret. */
async function ensureBridge(outputs: LocalOutputs, started: string[]): Promise<string> {
  const sm = new SecretsManagerClient({
    endpoint: EMULATOR_URL,
    region: AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const secret = await sm.send(new GetSecretValueCommand({ SecretId: outputs.UpstashSecretArn }));
  const { token } = JSON.parse(secret.SecretString ?? '{}') as { token?: string };
  if (!token) throw new Error('the Upstash secret has no token');
  const tokenFile = join(LOCAL_DIR, 'bridge-token');
  const pid = readPid('bridge');
  const running = pid !== undefined && isAlive(pid) && (await portOpen(BRIDGE_PORT));
  const sameToken = existsSync(tokenFile) && readFileSync(tokenFile, 'utf8') === token;
  if (running && sameToken) return token;
  if (running) await stopStarted('bridge');
  else if (await portOpen(BRIDGE_PORT)) {
    // Another checkout's bridge (same machine, same Redis) that accepts this token serves as well.
    if (await bridgeAccepts(outputs.RedisRestUrl, token)) return token;
    throw new Error(`port ${BRIDGE_PORT} is taken by another process; set NIMBUS_BRIDGE_PORT`);
  }
  log(`starting the Upstash REST bridge on ${outputs.RedisRestUrl}`);
  startDetached(
    'bridge',
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'localstack/bridge/main.ts')],
    {
      BRIDGE_PORT: String(BRIDGE_PORT),
      BRIDGE_HOST: process.env.NIMBUS_BRIDGE_HOST ?? '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
      UPSTASH_REDIS_REST_TOKEN: token,
    },
  );
  writeFileSync(tokenFile, token, { mode: 0o600 });
  started.push('bridge');
  await waitFor('bridge', () => portOpen(BRIDGE_PORT), 15_000);
  return token;
}

export interface UpResult {
  readonly outputs: LocalOutputs;
  /** Processes this call started (and `down` may stop); empty when everything was already up. */
  readonly started: readonly string[];
  readonly redisToken: string;
}

/** Brings the whole local system up; safe to run again while it is up. */
export async function up(): Promise<UpResult> {
  ensureDirs();
  const started: string[] = [];
  await ensureEmulator(started);
  await ensureRedis(started);
  deploy();
  const outputs = collectOutputs();
  const redisToken = await ensureBridge(outputs, started);
  writeFileSync(OUTPUTS_FILE, `${JSON.stringify(outputs, null, 2)}\n`);
  // The local stage's first admin (never on other stages: there an operator runs admin:create).
  run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'bin/admin-create.ts'),
      '--stage',
      STAGE,
      '--email',
      LOCAL_ADMIN_EMAIL,
      '--output',
      ADMIN_FILE,
    ],
    { ...AWS_ENV },
  );
  await waitFor('the API', () => httpOk(`${outputs.ApiUrl}/health`), 60_000);
  return { outputs, started, redisToken };
}

/** Stops what `up` started, in reverse order. */
export async function down(names: readonly string[]): Promise<void> {
  for (const name of [...names].reverse()) {
    if (await stopStarted(name)) log(`stopped ${name}`);
  }
}
