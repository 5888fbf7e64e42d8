import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../../lib/config/names.ts';
import { functionEnvironment } from '../../support/function-env.ts';

/**
 * The environment a deployed function starts with, as far as module init reads it: the Lambda
 * variables Powertools checks (tracing turns itself on only when AWS_EXECUTION_ENV is set), the
 * POWERTOOLS_* and NIMBUS_* variables FeatureFunction sets, and what the handlers require at init.
 */
export const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'nimbus-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: 'nimbus-bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'Nimbus',
  POWERTOOLS_TRACE_ENABLED: 'true',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
  NIMBUS_STAGE: 'bench',
  APP_TABLE_NAME: 'bench',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
  UPSTASH_REDIS_REST_TOKEN: 'bench',
};

/** A value for every variable a handler reads at init: see `test/support/function-env.ts`. */
export function handlerEnv(): Record<string, string> {
  return functionEnvironment();
}

/**
 * Lays a layer out as ministack does: each package of its `nodejs/node_modules` symlinked into
 * `<taskDir>/node_modules/`. Plain Node ignores NODE_PATH for `import`, so this is how a handler
 * bundled against the layer finds it outside Lambda.
 */
export function linkLayer(taskDir: string, layerNodeModules: string): void {
  const nodeModules = join(taskDir, 'node_modules');
  mkdirSync(nodeModules, { recursive: true });
  for (const entry of readdirSync(layerNodeModules)) {
    symlinkSync(join(layerNodeModules, entry), join(nodeModules, entry));
  }
}

/** What FeatureFunction puts in NODE_OPTIONS. */
export const DEPLOYED_NODE_OPTIONS = '--enable-source-maps';

/** The repository's pinned Node (the `node` devDependency, Lambda's major) when installed, else this one. */
export function defaultNode(): string {
  const pinned = join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');
  return existsSync(pinned) ? pinned : process.execPath;
}

export interface ChildOptions {
  readonly node: string;
  readonly cwd: string;
  readonly nodeOptions?: string;
  readonly env?: Readonly<Record<string, string>>;
}

const MARK = '\n@@nimbus@@';
const TIME_IMPORT = `const t=performance.now();await import(process.argv[1]);process.stdout.write(${JSON.stringify(MARK)}+(performance.now()-t));`;

function runChild(code: string, file: string, options: ChildOptions): string {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd,
    ...LAMBDA_ENV,
    ...options.env,
  };
  if (options.nodeOptions) env.NODE_OPTIONS = options.nodeOptions;
  const child = spawnSync(options.node, ['--input-type=module', '-e', code, pathToFileURL(file).href], {
    cwd: options.cwd,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const at = child.stdout?.lastIndexOf(MARK) ?? -1;
  if (child.status !== 0 || at === -1) {
    const reason = (child.stderr || child.stdout || String(child.error))
      .trim()
      .split('\n')
      .slice(0, 6)
      .join('\n');
    throw new Error(`child failed for ${file}:\n${reason}`);
  }
  return child.stdout.slice(at + MARK.length).trim();
}

/** Milliseconds a fresh Node process spends in `await import(file)`: load, link and evaluate. */
export function timeImport(file: string, options: ChildOptions): number {
  return Number(runChild(TIME_IMPORT, file, options));
}

/**
 * Imports `file` in a fresh process and invokes its handler with a minimal API Gateway event;
 * returns `<status> <body length>` or the error's first line.
 */
export function invokeOnce(file: string, options: ChildOptions): string {
  const code = `
    const { handler } = await import(process.argv[1]);
    const event = { httpMethod: 'GET', path: '/bench', resource: '/bench', headers: {}, multiValueHeaders: {},
      queryStringParameters: null, pathParameters: null, requestContext: {}, body: null, isBase64Encoded: false };
    const context = { functionName: 'nimbus-bench', functionVersion: '$LATEST', awsRequestId: 'bench',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:nimbus-bench', memoryLimitInMB: '1024',
      logGroupName: '/aws/lambda/nimbus-bench', logStreamName: 'bench', getRemainingTimeInMillis: () => 3000 };
    const result = await handler(event, context);
    process.stdout.write(${JSON.stringify(MARK)} + result.statusCode + ' ' + String(result.body ?? '').length);`;
  try {
    return runChild(code, file, options);
  } catch (error) {
    return firstLine(error);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text.match(/ERR_[A-Z_]+/)?.[0] ??
    text
      .split('\n')
      .find((line) => /Error/.test(line))
      ?.trim() ??
    text
  );
}

/** Tries to import `file`; returns `ok` or the error code / message. */
export function tryImport(file: string, options: ChildOptions): string {
  try {
    timeImport(file, options);
    return 'ok';
  } catch (error) {
    return firstLine(error);
  }
}

export interface Stats {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly runs: number;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return (
      (sorted[low] ?? Number.NaN) +
      ((sorted[high] ?? Number.NaN) - (sorted[low] ?? Number.NaN)) * (position - low)
    );
  };
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    median: round(at(0.5)),
    p90: round(at(0.9)),
    min: round(sorted[0] ?? Number.NaN),
    runs: sorted.length,
  };
}
