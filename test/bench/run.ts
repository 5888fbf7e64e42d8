/**
 * `npm run bench`: cold start, warm pipeline, token verification, rate limiting, handler-level
 * load, the cost model, the cache's L1 hit and the cold path against the local stack, each beside
 * its baseline, in one run (~6 min on 2 cores). Prints a table, writes
 * test/bench/results/<date>.json and docs/PERFORMANCE.md.
 *
 *   node --import tsx test/bench/run.ts [--runs 11] [--cold-path-runs 7] [--quick] [--no-write]
 *   node --import tsx test/bench/run.ts --doc-only   # re-render docs/PERFORMANCE.md from the newest results
 *
 * Needs redis-server on REDIS_URL (default redis://127.0.0.1:6379). Runs on the repository's
 * pinned Node 22 (Lambda's major) when installed: it re-executes itself there. §8 (the cold path)
 * needs the local stack (`npm start`; NIMBUS_LOCAL_DIR names its `.local` from a worktree) and
 * reports "not measured" without it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { version as esbuildVersion } from 'esbuild';
import { Redis as IORedis } from 'ioredis';
import { REPO_ROOT } from '../../lib/config/names.ts';
import { CACHE_NAMESPACE, type CacheL1Result, cacheL1Hits } from './cache.ts';
import { type ColdPathResult, coldPath } from './cold-path.ts';
import { type ColdStartResult, coldStart } from './cold-start.ts';
import { type CostModel, costModel } from './cost.ts';
import { type GatewayCacheResult, gatewayAuthorizerCache } from './gateway-cache.ts';
import { defaultNode } from './layers/import-time.ts';
import { type LoadResult, load } from './load.ts';
import { flattenMetrics, type Metric, type TargetStatus, targetsOf } from './metrics.ts';
import { type PipelineResult, pipelineOverhead } from './pipeline.ts';
import { startServer } from './processes.ts';
import { type RateLimitResult, rateLimit } from './ratelimit.ts';
import { formatDoc, formatSummary } from './report.ts';
import { applyEnv, BENCH_SOURCE_IP, benchEnv, REDIS_URL, RUN_ID } from './support.ts';
import { benchKeySet, issueTokens, type TokenResult, tokenVerification } from './tokens.ts';

export const RESULTS_DIR = join(REPO_ROOT, 'test', 'bench', 'results');
export const DOC_FILE = join(REPO_ROOT, 'docs', 'PERFORMANCE.md');

export interface BenchOptions {
  /** Fresh processes per cold-start target. @default 11 */
  readonly runs?: number;
  /** Fresh authorizer + route process pairs per cold-path variant (§8). @default 7 */
  readonly coldPathRuns?: number;
  /** Small iteration counts and a 3 s load: checks the harness, numbers not meaningful. @default false */
  readonly quick?: boolean;
  readonly log?: (line: string) => void;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly node: string;
  readonly coldStartNode: string;
  readonly esbuild: string;
  readonly autocannon: string;
  readonly redis: string;
  readonly loadAverageBefore: readonly number[];
  readonly loadAverageAfter: readonly number[];
}

export interface BenchResults {
  readonly date: string;
  readonly startedAt: string;
  readonly totalSeconds: number;
  readonly commit: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly coldStart: ColdStartResult;
  readonly pipeline: PipelineResult;
  readonly tokens: TokenResult;
  readonly rateLimit: RateLimitResult;
  readonly load: LoadResult;
  readonly cost: CostModel;
  readonly cacheL1: CacheL1Result;
  /** §8: measured only while the local stack runs (`npm start`). */
  readonly coldPath: ColdPathResult;
  /** §9: measured only while the local stack runs (`npm start`). */
  readonly gatewayCache: GatewayCacheResult;
  readonly targets: readonly TargetStatus[];
  /** Flat view that bench:check compares with budgets.json. */
  readonly metrics: Readonly<Record<string, Metric>>;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const file = join(REPO_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const round2 = (values: readonly number[]): number[] => values.map((v) => Math.round(v * 100) / 100);

/**
 * Deletes every rate-limit key this run created (its principals and its source IP) and its cache
 * namespace.
 */
async function cleanUpRedis(redis: IORedis): Promise<number> {
  let deleted = 0;
  for (const pattern of [
    `nimbus:rl:*bench-${RUN_ID}*`,
    `nimbus:rl:*${BENCH_SOURCE_IP}*`,
    `nimbus:cache:${CACHE_NAMESPACE}:*`,
  ]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick ?? false;
  const started = performance.now();
  const startedAt = new Date();
  const loadAverageBefore = round2(loadavg());

  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect().catch((error: unknown) => {
    throw new Error(`bench needs redis-server on ${REDIS_URL} (REDIS_URL): ${String(error)}`);
  });
  try {
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';

    log('1/9 cold start');
    const cold = await coldStart({ runs: options.runs ?? (quick ? 3 : 11), log });

    const token = `bench-${randomBytes(16).toString('hex')}`;
    const bridgeProcess = await startServer('bridge', {
      BENCH_REDIS_URL: REDIS_URL,
      BENCH_BRIDGE_TOKEN: token,
    });
    const bridge = { url: bridgeProcess.url, token };
    let pipeline: PipelineResult;
    let tokens: TokenResult;
    let limits: RateLimitResult;
    let loadResult: LoadResult;
    let cacheL1: CacheL1Result;
    try {
      applyEnv(benchEnv(bridge));
      log('2/9 warm pipeline');
      pipeline = await pipelineOverhead(
        quick
          ? { warmup: 500, iterations: 2_000, handlerIterations: 500 }
          : { warmup: 5_000, iterations: 40_000, handlerIterations: 10_000 },
      );
      log('3/9 token verification');
      tokens = await tokenVerification(
        quick ? { tokens: 200, warmIterations: 1_000 } : { tokens: 2_000, warmIterations: 20_000 },
      );
      log('4/9 rate limiting');
      limits = await rateLimit(
        quick
          ? { bridgeUrl: bridge.url, decisions: 200, inFlight: 32, blockedDecisions: 200, routeRequests: 100 }
          : {
              bridgeUrl: bridge.url,
              decisions: 2_000,
              inFlight: 32,
              blockedDecisions: 2_000,
              routeRequests: 1_000,
            },
      );
      log('5/9 load');
      const keySet = await benchKeySet();
      const [loadToken] = await issueTokens(keySet, 1, `bench-${RUN_ID}-load`);
      loadResult = await load({
        bridge,
        keySet,
        token: loadToken as string,
        connections: 50,
        durationSeconds: quick ? 3 : 10,
        warmupSeconds: quick ? 1 : 2,
        log,
      });
      // After the load, so that nothing measured before changes; §7 in the table and the doc.
      log('6/9 cache L1 hits');
      cacheL1 = await cacheL1Hits(
        quick
          ? { bridgeUrl: bridge.url, keys: 16, warmup: 500, iterations: 4_000 }
          : { bridgeUrl: bridge.url, keys: 64, warmup: 5_000, iterations: 100_000 },
      );
    } finally {
      await bridgeProcess.stop();
    }
    const deleted = await cleanUpRedis(redis);
    log(`cleaned up ${deleted} rate-limit and cache keys`);

    // Alone on the machine, after every in-process section: requests and fresh processes against
    // the local stack.
    log('7/9 gateway authorizer cache (local stack)');
    const gatewayCacheResult = await gatewayAuthorizerCache({
      requests: quick ? 3 : 15,
      rounds: quick ? 1 : 2,
      log,
    });
    if (!gatewayCacheResult.measured) log(gatewayCacheResult.reason);

    log('8/9 cold path (local stack)');
    const coldPathResult = await coldPath({
      runs: options.coldPathRuns ?? (quick ? 1 : 7),
      log,
    });
    if (!coldPathResult.measured) log(coldPathResult.reason);

    log('9/9 cost model');
    const { routes } = await import('#functions/routes.ts');
    const cost = costModel({
      routes,
      measuredUs: Object.fromEntries(
        Object.entries(pipeline.handlers).map(([id, warm]) => [id, warm.us.p50]),
      ),
      pipelineUs: pipeline.pipeline.us.p50,
      rateLimitedUs: limits.route.us.p50,
      authorizerUs: tokens.verifier.warm.p50,
      emfBytesPerRequest: pipeline.emfBytesPerRequest,
    });

    const partial = {
      coldStart: cold,
      pipeline,
      tokens,
      rateLimit: limits,
      load: loadResult,
      cost,
      cacheL1,
      coldPath: coldPathResult,
      gatewayCache: gatewayCacheResult,
    };
    return {
      date: startedAt.toISOString().slice(0, 10),
      startedAt: startedAt.toISOString(),
      totalSeconds: Math.round((performance.now() - started) / 100) / 10,
      commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain']) === '' ? '' : ' + uncommitted changes'}`,
      quick,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGb: Math.round(totalmem() / 1024 ** 3),
        kernel: release(),
        node: process.version,
        coldStartNode: spawnSync(cold.node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
        esbuild: esbuildVersion,
        autocannon: packageVersion('autocannon'),
        redis: redisVersion,
        loadAverageBefore,
        loadAverageAfter: round2(loadavg()),
      },
      ...partial,
      targets: targetsOf(partial),
      metrics: flattenMetrics(partial),
    };
  } finally {
    redis.disconnect();
  }
}

/** The newest `results/<date>.json`. */
export function latestResultsFile(dir = RESULTS_DIR): string {
  const files = readdirSync(dir)
    .filter((file) => /^\d{4}-\d{2}-\d{2}.*\.json$/.test(file))
    .sort();
  const latest = files.at(-1);
  if (latest === undefined) throw new Error(`No results in ${dir}: run \`npm run bench\` first`);
  return join(dir, latest);
}

export function writeResults(results: BenchResults): { json: string; doc: string } {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = join(RESULTS_DIR, `${results.date}.json`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(DOC_FILE, formatDoc(results));
  return { json, doc: DOC_FILE };
}

/**
 * Re-runs this script on the pinned Node 22 when the current Node is another one; returns false
 * when the bench should run in this process.
 */
export function reexecOnPinnedNode(script: string): boolean {
  const node = defaultNode();
  if (process.env.NIMBUS_BENCH_REEXEC === '1' || node === process.execPath) return false;
  const child = spawnSync(node, ['--import', 'tsx', script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NIMBUS_BENCH_REEXEC: '1' },
  });
  process.exitCode = child.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  if (reexecOnPinnedNode(resolve(process.argv[1] as string))) return;
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      'cold-path-runs': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      'doc-only': { type: 'boolean', default: false },
    },
  });
  if (values['doc-only']) {
    // Re-renders docs/PERFORMANCE.md from the newest results file (after editing report.ts).
    const file = latestResultsFile();
    writeFileSync(DOC_FILE, formatDoc(JSON.parse(readFileSync(file, 'utf8')) as BenchResults));
    process.stdout.write(`wrote ${DOC_FILE} from ${file}\n`);
    return;
  }
  const results = await runBench({
    quick: values.quick,
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values['cold-path-runs'] ? { coldPathRuns: Number(values['cold-path-runs']) } : {}),
  });
  process.stdout.write(`${formatSummary(results)}\n`);
  // A quick run checks the harness; its numbers must not replace a real run's.
  if (!values['no-write'] && !values.quick) {
    const written = writeResults(results);
    process.stdout.write(`\nwrote ${written.json} and ${written.doc}\n`);
  }
  // The Upstash client's keep-alive sockets and timers must not hold the process open.
  process.exit(process.exitCode ?? 0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
