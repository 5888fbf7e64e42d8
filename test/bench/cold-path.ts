/**
 * §8 cold path (issue 14): a fresh process → the first 200 of an authenticated `GET /v1/me`, with
 * real I/O to the local stack. Per run and variant: the authorizer's bundle spawned in a fresh Node
 * process and invoked with a REQUEST authorizer event carrying a real Bearer token (the local
 * admin's, from a login through the deployed API), then the `auth.me` bundle spawned in another
 * fresh process and invoked with an API Gateway event carrying that authorizer's context; each
 * timed from spawn to its result. Both run with the deployed functions' own environment (read from
 * the emulator) plus the emulator's endpoint and credentials, so DynamoDB, Secrets Manager and
 * Redis (through the Upstash bridge) are the local stack's.
 *
 * Variants: `nimbus` (each handler bundled as FeatureFunction bundles it for its row, on a stage
 * without X-Ray: the prod-like profile with the Tracer off, as there is no X-Ray daemon locally),
 * `before` (the shared esbuild options alone: the bundling before issue 14, "today's" of the
 * target) and `naive` (cold-start.ts's naive entry).
 *
 *   node --import tsx test/bench/cold-path.ts [--runs 7]   # this section alone, JSON on stdout
 *
 * Never starts, stops or redeploys the stack: without it the section reports "not measured".
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { me as meRoute } from '../../functions/auth/routes.ts';
import { bundleProfile } from '../../functions/shared/config/bundle.ts';
import { REPO_ROOT } from '../../lib/config/names.ts';
import {
  ACCOUNT,
  AWS_ENV,
  EMULATOR_URL,
  LOCAL_DIR,
  type LocalOutputs,
  REGION,
} from '../../localstack/scripts/local-env.ts';
import { restEvent } from '../support/apigw.ts';
import { BEFORE_OVERRIDES, ENTRY_DIR, naiveEntry } from './cold-start.ts';
import { bundleEntry } from './layers/bundle.ts';
import { defaultNode, stats } from './layers/import-time.ts';
import { RUN_ID } from './support.ts';

/** Issue 14: the cold path with this bundling at most this fraction of today's (`before`). */
export const COLD_PATH_TARGET_RATIO = 0.5;

export const COLD_PATH_VARIANTS = ['nimbus', 'before', 'naive'] as const;
export type ColdPathVariant = (typeof COLD_PATH_VARIANTS)[number];

export const NOT_RUNNING = 'not measured: the local stack is not running (npm start)';

const AUTHORIZER_ENTRY = 'functions/authorizer/handlers/authorizer.ts';
const ROUTE_PATH = meRoute.path;
/** Route functions have fixed names: `nimbus-<stage>-<route id, dots as dashes>`. */
const routeFunctionName = (stage: string): string => `nimbus-${stage}-${meRoute.id.replaceAll('.', '-')}`;

export interface Timing {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
}

export interface ColdPathVariantResult {
  /** Spawn → the authorizer's result. */
  readonly authorizer: Timing;
  /** Spawn → the route's 200. */
  readonly route: Timing;
  /** Authorizer + route of the same run. */
  readonly total: Timing;
  /** The two bundles' imports of the same run, summed (inside the children). */
  readonly imports: Timing;
  /** `total` less `imports`, run by run: process start, init, I/O; what no bundling can cut. */
  readonly withoutImports: Timing;
  /** Minified bundle sizes, KB. */
  readonly authorizerKB: number;
  readonly routeKB: number;
}

/** A local-stack section that could not run, and why (§8, §9). */
export interface NotMeasured {
  readonly measured: false;
  readonly reason: string;
}

export type ColdPathResult =
  | NotMeasured
  | {
      readonly measured: true;
      readonly runs: number;
      readonly node: string;
      readonly stage: string;
      readonly functions: { readonly authorizer: string; readonly route: string };
      readonly variants: Readonly<Record<ColdPathVariant, ColdPathVariantResult>>;
      /**
       * Median totals: nimbus ÷ before ("today's"), nimbus ÷ naive; `zeroImportBound`: nimbus
       * without its imports ÷ before, the ratio a bundle that imported in no time would reach.
       */
      readonly ratio: {
        readonly toBefore: number;
        readonly toNaive: number;
        readonly zeroImportBound: number;
      };
      readonly meets: boolean;
    };

/** Where `npm start` wrote the outputs and the admin's credentials (NIMBUS_LOCAL_DIR for a worktree). */
function localDir(): string {
  return process.env.NIMBUS_LOCAL_DIR ?? LOCAL_DIR;
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** A function's environment as deployed (Lambda's GetFunctionConfiguration against the emulator). */
async function deployedEnvironment(functionName: string): Promise<Record<string, string>> {
  const lambda = new LambdaClient({
    endpoint: EMULATOR_URL,
    region: REGION,
    credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: 'test' },
  });
  try {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }), {
      abortSignal: AbortSignal.timeout(5000),
    });
    return { ...(config.Environment?.Variables ?? {}) };
  } finally {
    lambda.destroy();
  }
}

/** The authorizer's physical name, from the Api stack's resources. */
async function authorizerFunctionName(stage: string): Promise<string> {
  const cfn = new CloudFormationClient({
    endpoint: EMULATOR_URL,
    region: REGION,
    credentials: { accessKeyId: AWS_ENV.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: 'test' },
  });
  try {
    const { StackResources = [] } = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: `Nimbus-${stage}-Api` }),
    );
    const found = StackResources.find(
      (r) =>
        r.ResourceType === 'AWS::Lambda::Function' &&
        /^Authorizer[0-9A-F]{8}$/.test(r.LogicalResourceId ?? ''),
    );
    if (found?.PhysicalResourceId === undefined)
      throw new Error(`no Authorizer function in Nimbus-${stage}-Api`);
    return found.PhysicalResourceId;
  } finally {
    cfn.destroy();
  }
}

/** The running local stack's outputs, or undefined when it is not up (emulator and API both answer). */
export async function runningStack(): Promise<LocalOutputs | undefined> {
  const outputsFile = join(localDir(), 'outputs.json');
  if (!existsSync(outputsFile)) return undefined;
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as LocalOutputs;
  const up =
    (await reachable(`${EMULATOR_URL}/_ministack/health`)) && (await reachable(`${outputs.ApiUrl}/health`));
  return up ? outputs : undefined;
}

/** The local admin's access token, from a login through the deployed API. */
export async function login(apiUrl: string): Promise<string> {
  const admin = JSON.parse(readFileSync(join(localDir(), 'admin.json'), 'utf8')) as {
    email: string;
    password: string;
  };
  const res = await fetch(`${apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { accessToken?: string };
  if (res.status !== 200 || body.accessToken === undefined) {
    throw new Error(`login of the local admin through ${apiUrl}: ${res.status}`);
  }
  return body.accessToken;
}

const MARK = '@@nimbus-cold-path@@';

/**
 * The child: import the bundle, invoke its handler once with the event and a Lambda context, write
 * the result after a marker, exit (the Upstash client's keep-alive sockets must not hold it open).
 */
const CHILD = `
const [file, eventJson, functionName] = process.argv.slice(1);
const importStarted = performance.now();
const { handler } = await import(file);
const importMs = performance.now() - importStarted;
const context = { functionName, functionVersion: '$LATEST', awsRequestId: crypto.randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:${REGION}:${ACCOUNT}:function:' + functionName, memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/' + functionName, logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10000, done() {}, fail() {}, succeed() {} };
const result = await handler(JSON.parse(eventJson), context);
process.stdout.write('\\n${MARK}' + JSON.stringify({ importMs, result }) + '\\n');
process.exit(0);`;

interface Invocation {
  readonly ms: number;
  /** The bundle's `await import()` inside the child, ms. */
  readonly importMs: number;
  readonly result: unknown;
}

/** Spawns a fresh Node on `file`, invokes its handler with `event`; ms from spawn to the result line. */
function invokeFresh(
  node: string,
  file: string,
  event: unknown,
  functionName: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
): Promise<Invocation> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let ms: number | undefined;
    let stdout = '';
    let stderr = '';
    const child = spawn(
      node,
      ['--input-type=module', '-e', CHILD, pathToFileURL(file).href, JSON.stringify(event), functionName],
      { cwd, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (ms === undefined) {
        const at = stdout.lastIndexOf(MARK);
        if (at !== -1 && stdout.indexOf('\n', at) !== -1) ms = performance.now() - started;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const at = stdout.lastIndexOf(MARK);
      if (ms === undefined || at === -1) {
        const tail = (stderr || stdout).trim().split('\n').slice(-6).join('\n');
        return reject(new Error(`${relative(cwd, file)} (${functionName}) exited ${code}:\n${tail}`));
      }
      // A function that fell back (Redis unreachable, a secret unreadable) still answers 200, so
      // its log decides: any WARN or ERROR line and the run does not count.
      const complaint = `${stdout}\n${stderr}`
        .split('\n')
        .find((l) => /^\{"level":"(WARN|ERROR|CRITICAL)"/.test(l));
      if (complaint !== undefined) {
        return reject(new Error(`${functionName} logged: ${complaint.slice(0, 300)}`));
      }
      const line = stdout.slice(at + MARK.length).split('\n')[0] ?? 'null';
      const { importMs, result } = JSON.parse(line) as { importMs: number; result: unknown };
      resolvePromise({ ms, importMs, result });
    });
  });
}

interface Built {
  readonly authorizer: string;
  readonly route: string;
  readonly authorizerKB: number;
  readonly routeKB: number;
}

const kb1 = (bytes: number): number => Math.round(bytes / 102.4) / 10;

async function buildVariant(variant: ColdPathVariant, root: string, generated: string[]): Promise<Built> {
  const dir = join(root, variant);
  const one = async (name: string, entry: string): Promise<[string, number]> => {
    const outfile = join(dir, name, 'index.mjs');
    if (variant === 'nimbus') {
      // FeatureFunction: `bundleProfile(row, config.features.xray)`; the authorizer has no row.
      const row = name === 'route' ? meRoute : undefined;
      await bundleEntry(entry, outfile, {}, bundleProfile(row, false));
    } else if (variant === 'before') {
      await bundleEntry(entry, outfile, { define: { ...BEFORE_OVERRIDES.define }, plugins: [] });
    } else {
      mkdirSync(ENTRY_DIR, { recursive: true });
      const naive = join(ENTRY_DIR, `cold-path-naive-${name}-${process.pid}.mjs`);
      generated.push(naive);
      writeFileSync(naive, naiveEntry(entry));
      await bundleEntry(relative(REPO_ROOT, naive), outfile);
    }
    return [outfile, readFileSync(outfile).length];
  };
  const [[authorizer, authorizerBytes], [route, routeBytes]] = await Promise.all([
    one('authorizer', AUTHORIZER_ENTRY),
    one('route', meRoute.handler),
  ]);
  return { authorizer, route, authorizerKB: kb1(authorizerBytes), routeKB: kb1(routeBytes) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const timing = (samples: readonly number[]): Timing => {
  const s = stats(samples);
  return { medianMs: s.median, p90Ms: s.p90, minMs: s.min };
};

interface AuthorizerOutput {
  readonly principalId: string;
  readonly context: Record<string, string>;
}

export async function coldPath(options: {
  readonly runs: number;
  readonly log: (line: string) => void;
}): Promise<ColdPathResult> {
  const outputs = await runningStack();
  if (outputs === undefined) return { measured: false, reason: NOT_RUNNING };
  const stage = outputs.Stage;
  const root = mkdtempSync(join(tmpdir(), 'nimbus-bench-cold-path-'));
  const generated: string[] = [];
  try {
    const routeName = routeFunctionName(stage);
    const authorizerName = await authorizerFunctionName(stage);
    const [authorizerEnv, routeEnv, token] = await Promise.all([
      deployedEnvironment(authorizerName),
      deployedEnvironment(routeName),
      login(outputs.ApiUrl),
    ]);
    // A Lambda-like process: the runtime's own variables, the deployed ones, then the emulator's
    // endpoint and credentials. Nothing else: a stray UPSTASH_REDIS_REST_TOKEN, say, would take
    // precedence over the token the functions read from Secrets Manager.
    const envOf = (deployed: Record<string, string>, name: string, cwd: string): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      ...deployed,
      ...AWS_ENV,
    });
    // The authorizer's verdict on a session lives this long in Redis: each run waits it out, so that
    // every variant's authorizer reads the session and the user from DynamoDB.
    const verdictMs = Number(authorizerEnv.NIMBUS_AUTHORIZER_CACHE_SECONDS ?? '0') * 1000;

    const built = Object.fromEntries(
      await Promise.all(
        COLD_PATH_VARIANTS.map(async (v) => [v, await buildVariant(v, root, generated)] as const),
      ),
    ) as Record<ColdPathVariant, Built>;
    for (const file of generated) rmSync(file, { force: true });
    const node = defaultNode();
    const authorization = `Bearer ${token}`;
    const methodArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${outputs.ApiId}/${stage}/GET${ROUTE_PATH}`;

    const once = async (variant: ColdPathVariant, run: number) => {
      const b = built[variant];
      await sleep(verdictMs + 100);
      const authorizerEvent = {
        ...restEvent({ path: ROUTE_PATH, headers: { Authorization: authorization }, stage }),
        type: 'REQUEST',
        methodArn,
      };
      const cwdA = join(root, variant, 'authorizer');
      const a = await invokeFresh(
        node,
        b.authorizer,
        authorizerEvent,
        authorizerName,
        envOf(authorizerEnv, authorizerName, cwdA),
        cwdA,
      );
      const verdict = a.result as AuthorizerOutput;
      if (typeof verdict?.principalId !== 'string' || verdict.context === undefined) {
        throw new Error(`${variant}: the authorizer returned no principal: ${JSON.stringify(a.result)}`);
      }
      const routeEvent = restEvent({
        path: ROUTE_PATH,
        headers: { Authorization: authorization },
        authorizer: { ...verdict.context, principalId: verdict.principalId },
        stage,
      });
      // A key of its own in the response cache (keyed by API id): every run's route misses it and
      // reads the user from DynamoDB, as the first request after a deploy does.
      const event = {
        ...routeEvent,
        requestContext: {
          ...routeEvent.requestContext,
          apiId: `${outputs.ApiId}-bench-${RUN_ID}-${variant}-${run}`,
        },
      };
      const cwdR = join(root, variant, 'route');
      const r = await invokeFresh(node, b.route, event, routeName, envOf(routeEnv, routeName, cwdR), cwdR);
      const status = (r.result as { statusCode?: number } | null)?.statusCode;
      if (status !== 200) {
        throw new Error(
          `${variant}: GET ${ROUTE_PATH} answered ${status}: ${JSON.stringify(r.result).slice(0, 300)}`,
        );
      }
      return { authorizer: a.ms, route: r.ms, imports: a.importMs + r.importMs };
    };

    options.log(
      `cold path: ${COLD_PATH_VARIANTS.length} variants built; 1 warm-up + ${options.runs} runs each`,
    );
    // One untimed pass: checks every variant end to end and puts the bundles in the page cache.
    for (const v of COLD_PATH_VARIANTS) await once(v, -1);
    const samples = Object.fromEntries(
      COLD_PATH_VARIANTS.map((v) => [
        v,
        {
          authorizer: [] as number[],
          route: [] as number[],
          total: [] as number[],
          imports: [] as number[],
          withoutImports: [] as number[],
        },
      ]),
    ) as Record<
      ColdPathVariant,
      { authorizer: number[]; route: number[]; total: number[]; imports: number[]; withoutImports: number[] }
    >;
    for (let run = 0; run < options.runs; run++) {
      // Interleaved, alternating direction, so drift in machine load spreads over every variant.
      for (const v of run % 2 === 0 ? COLD_PATH_VARIANTS : [...COLD_PATH_VARIANTS].reverse()) {
        const t = await once(v, run);
        samples[v].authorizer.push(t.authorizer);
        samples[v].route.push(t.route);
        samples[v].total.push(t.authorizer + t.route);
        samples[v].imports.push(t.imports);
        samples[v].withoutImports.push(t.authorizer + t.route - t.imports);
      }
    }
    const variants = Object.fromEntries(
      COLD_PATH_VARIANTS.map((v): [ColdPathVariant, ColdPathVariantResult] => [
        v,
        {
          authorizer: timing(samples[v].authorizer),
          route: timing(samples[v].route),
          total: timing(samples[v].total),
          imports: timing(samples[v].imports),
          withoutImports: timing(samples[v].withoutImports),
          authorizerKB: built[v].authorizerKB,
          routeKB: built[v].routeKB,
        },
      ]),
    ) as Record<ColdPathVariant, ColdPathVariantResult>;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const toBefore = ratio(variants.nimbus.total.medianMs, variants.before.total.medianMs);
    return {
      measured: true,
      runs: options.runs,
      node,
      stage,
      functions: { authorizer: authorizerName, route: routeName },
      variants,
      ratio: {
        toBefore,
        toNaive: ratio(variants.nimbus.total.medianMs, variants.naive.total.medianMs),
        zeroImportBound: ratio(variants.nimbus.withoutImports.medianMs, variants.before.total.medianMs),
      },
      meets: toBefore <= COLD_PATH_TARGET_RATIO,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.log(`cold path failed: ${message}`);
    return { measured: false, reason: `not measured: ${message.split('\n')[0]}` };
  } finally {
    for (const file of generated) rmSync(file, { force: true });
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const result = await coldPath({
    runs: Number(values.runs),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
