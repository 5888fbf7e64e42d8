/**
 * Cold-start proxy: each handler bundled exactly as FeatureFunction bundles it for its route row
 * (test/bench/layers/bundle.ts), its minified and gzipped size, and `await import()` of it in
 * fresh Node processes (test/bench/layers/import-time.ts), against an empty handler, the same
 * handler bundled as before issue 14 (`before`: the shared esbuild options alone, no row) and a
 * naive bundle that imports every shared dependency whole. Every function's size, both ways.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fallback } from '../../functions/platform/routes.ts';
import { routes } from '../../functions/routes.ts';
import { type BundleProfile, bundleProfile } from '../../functions/shared/config/bundle.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { isSharedDep } from '../../layers/shared-deps.ts';
import { REPO_ROOT } from '../../lib/config/names.ts';
import { bundleEntry, bytesByPackage } from './layers/bundle.ts';
import {
  type ChildOptions,
  DEPLOYED_NODE_OPTIONS,
  defaultNode,
  handlerEnv,
  stats,
  timeImport,
} from './layers/import-time.ts';

/**
 * A representative subset: trivial, DynamoDB + Redis, identity with everything, a keys route,
 * the profile read behind the authorizer, and the authorizer.
 */
export const COLD_HANDLERS: Readonly<Record<string, string>> = {
  'health-live': 'functions/platform/handlers/health-live.ts',
  version: 'functions/platform/handlers/version.ts',
  'health-ready': 'functions/platform/handlers/health-ready.ts',
  'auth-login': 'functions/auth/handlers/login.ts',
  'keys-list': 'functions/keys/handlers/list.ts',
  'auth-me': 'functions/auth/handlers/me.ts',
  authorizer: 'functions/authorizer/handlers/authorizer.ts',
};

/** Functions the API stack deploys besides the route table's (and the fallback). */
const OTHER_FUNCTIONS: Readonly<Record<string, string>> = {
  authorizer: 'functions/authorizer/handlers/authorizer.ts',
  'auth.signingKeysInit': 'functions/auth/handlers/signing-keys-init.ts',
};

/**
 * Issue 14's targets: sizes of every function (median, largest), routes without `needs` small, and
 * import time as a multiple of the empty module's (the machine's speed divides out).
 */
export const COLD_TARGETS = {
  medianKB: 250,
  largestKB: 400,
  noNeedsKB: 60,
  noNeedsImportRatio: 10,
  needsImportRatio: 25,
} as const;

/** The measured bundles are prod's: tracing on (the Tracer where the row calls out). */
const TRACING = true;

const ROWS: readonly RouteDef[] = [...routes, fallback];

/** The row a handler serves, if it is a route's. */
function rowOf(handler: string): RouteDef | undefined {
  return ROWS.find((row) => row.handler === handler);
}

/** Today's bundling before issue 14: the shared options alone, no row profile, no plugins. */
export const BEFORE_OVERRIDES: { readonly define: Record<string, string>; readonly plugins: [] } = {
  define: {},
  plugins: [],
};

/**
 * Generated entries live in the repository (so `#functions/...` and node_modules resolve), in a
 * git-ignored folder, as plain JavaScript (so that `tsc` over `test/` never sees them), and are
 * deleted after the build.
 */
export const ENTRY_DIR = join(REPO_ROOT, 'test', 'bench', 'results', 'tmp');

const EMPTY_HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "" });\n';

/** Powertools subpaths the pipeline imports besides the package roots. */
const EXTRA_SPECIFIERS = [
  '@aws-lambda-powertools/logger/middleware',
  '@aws-lambda-powertools/metrics/middleware',
  '@aws-lambda-powertools/tracer/middleware',
];

/**
 * The naive version of a handler: every shared dependency of package.json imported whole (a
 * namespace object kept alive cannot be tree-shaken) and the three SDK clients created at init,
 * as a handler written without care for its bundle would.
 */
export function naiveEntry(handler: string): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const specifiers = [...Object.keys(pkg.dependencies).filter(isSharedDep), ...EXTRA_SPECIFIERS];
  const imports = specifiers.map((s, i) => `import * as dep${i} from '${s}';`).join('\n');
  const keep = specifiers.map((_, i) => `dep${i}`).join(', ');
  return `${imports}
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
globalThis.__naive = [${keep}, new DynamoDBClient({}), new SQSClient({}), new SecretsManagerClient({})];
export { handler } from '#${handler}';
`;
}

/**
 * The frame's floor: the packages the product frame fixes (AWS SDK v3 clients, @upstash/redis and
 * @upstash/ratelimit, Powertools, middy), each used once the way a route with DynamoDB, Secrets
 * Manager and Redis uses it, and no Nimbus code, built with the same options and plugins as every
 * function. No bundling of such a route can go below this without replacing a package of the frame.
 */
export function frameFloorEntry(traced: boolean): string {
  return `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Redis } from '@upstash/redis';
import { Ratelimit } from '@upstash/ratelimit';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
${traced ? "import { Tracer } from '@aws-lambda-powertools/tracer';\nimport { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';\nconst tracer = new Tracer();" : 'const tracer = undefined;'}
const wrap = (client) => (tracer ? tracer.captureAWSv3Client(client) : client);
const logger = new Logger();
const metrics = new Metrics();
const table = DynamoDBDocumentClient.from(wrap(new DynamoDBClient({})));
const secrets = wrap(new SecretsManagerClient({}));
const redis = new Redis({ url: process.env.UPSTASH_REDIS_REST_URL ?? '', token: 'floor' });
const limiter = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(100, '60 s') });
const chain = middy(async (event) => {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: 'floor' }));
  const { success } = await limiter.limit(event.path);
  const { Item } = await table.send(new GetCommand({ TableName: 'floor', Key: { pk: event.path } }));
  metrics.addMetric('Floor', 'Count', 1);
  return { statusCode: success ? 200 : 429, body: JSON.stringify({ Item, n: SecretString?.length }) };
}).use(injectLambdaContext(logger));
export const handler = ${traced ? 'chain.use(captureLambdaHandler(tracer))' : 'chain'};
`;
}

export interface BundleFacts {
  readonly minifiedBytes: number;
  readonly gzipBytes: number;
  /** Largest contributors (package → minified bytes in the output). */
  readonly topPackages: readonly (readonly [string, number])[];
}

export interface ImportTiming {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly minMs: number;
  readonly runs: number;
}

export interface ColdHandlerResult {
  readonly name: string;
  readonly handler: string;
  /** Whether the row declares `needs` (a function without a row counts as having some). */
  readonly needs: boolean;
  readonly profile: BundleProfile | null;
  readonly bundle: BundleFacts & { readonly import: ImportTiming };
  /** The same handler bundled as before issue 14. */
  readonly before: BundleFacts & { readonly import: ImportTiming };
  readonly naive: BundleFacts & { readonly import: ImportTiming };
  /** Median import ÷ the empty module's median import, same run. */
  readonly importRatio: number;
  readonly beforeImportRatio: number;
  readonly meets: { readonly minified: boolean; readonly importRatio: boolean };
}

/** Minified size of one deployed function, with this bundling and as before. */
export interface FunctionSize {
  readonly id: string;
  readonly needs: boolean;
  readonly minifiedBytes: number;
  readonly beforeBytes: number;
}

export interface ColdStartResult {
  readonly node: string;
  readonly runs: number;
  readonly nodeOptions: string;
  readonly empty: {
    readonly minifiedBytes: number;
    readonly gzipBytes: number;
    readonly import: ImportTiming;
  };
  readonly handlers: readonly ColdHandlerResult[];
  /** Every function the API stack deploys. */
  readonly functions: readonly FunctionSize[];
  readonly fleet: {
    readonly medianKB: number;
    readonly largestKB: number;
    readonly beforeMedianKB: number;
    readonly beforeLargestKB: number;
    readonly noNeedsLargestKB: number;
    /** \`frameFloorEntry\` built as a function, traced (prod) and untraced. */
    readonly floorKB: { readonly traced: number; readonly untraced: number };
    readonly meets: { readonly median: boolean; readonly largest: boolean; readonly noNeeds: boolean };
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
};
const kb1 = (bytes: number): number => Math.round(bytes / 102.4) / 10;

async function build(
  entry: string,
  outfile: string,
  variant: 'row' | 'before' = 'row',
): Promise<BundleFacts> {
  const row = rowOf(entry);
  const { metafile } =
    variant === 'before'
      ? await bundleEntry(entry, outfile, { define: { ...BEFORE_OVERRIDES.define }, plugins: [] })
      : await bundleEntry(entry, outfile, {}, row ? bundleProfile(row, TRACING) : undefined);
  const key = relative(REPO_ROOT, outfile).split('\\').join('/');
  const minifiedBytes = metafile.outputs[key]?.bytes ?? readFileSync(outfile).length;
  return {
    minifiedBytes,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    topPackages: bytesByPackage(metafile, outfile).slice(0, 8),
  };
}

/** Every deployed function built both ways (sizes only: importing all of them would take minutes). */
async function functionSizes(root: string): Promise<FunctionSize[]> {
  const entries: [string, string, RouteDef | undefined][] = [
    ...ROWS.map((row): [string, string, RouteDef] => [row.id, row.handler, row]),
    ...Object.entries(OTHER_FUNCTIONS).map(([id, handler]): [string, string, undefined] => [
      id,
      handler,
      undefined,
    ]),
  ];
  return Promise.all(
    entries.map(async ([id, handler, row]) => {
      const [now, before] = await Promise.all([
        build(handler, join(root, 'fleet', id, 'index.mjs')),
        build(handler, join(root, 'fleet-before', id, 'index.mjs'), 'before'),
      ]);
      return {
        id,
        needs: row === undefined || (row.needs ?? []).length > 0,
        minifiedBytes: now.minifiedBytes,
        beforeBytes: before.minifiedBytes,
      };
    }),
  );
}

export async function coldStart(options: {
  readonly runs: number;
  readonly log: (line: string) => void;
}): Promise<ColdStartResult> {
  const root = mkdtempSync(join(tmpdir(), 'nimbus-bench-cold-'));
  mkdirSync(ENTRY_DIR, { recursive: true });
  const node = defaultNode();
  const child: ChildOptions = { node, cwd: root, nodeOptions: DEPLOYED_NODE_OPTIONS, env: handlerEnv() };
  const generated: string[] = [];
  try {
    const emptyEntry = join(ENTRY_DIR, `empty-handler-${process.pid}.mjs`);
    generated.push(emptyEntry);
    writeFileSync(emptyEntry, EMPTY_HANDLER);
    const targets: { id: string; file: string; facts: Promise<BundleFacts> }[] = [];
    const floors: { traced: boolean; facts: Promise<BundleFacts> }[] = [];
    const add = (id: string, entry: string, variant: 'row' | 'before' = 'row'): void => {
      const file = join(root, id, 'index.mjs');
      targets.push({ id, file, facts: build(entry, file, variant) });
    };
    add('empty', relative(REPO_ROOT, emptyEntry));
    for (const traced of [true, false]) {
      const floorEntry = join(ENTRY_DIR, `frame-floor-${traced ? 'traced' : 'untraced'}-${process.pid}.mjs`);
      generated.push(floorEntry);
      writeFileSync(floorEntry, frameFloorEntry(traced));
      floors.push({
        traced,
        facts: build(relative(REPO_ROOT, floorEntry), join(root, `floor-${traced}`, 'index.mjs')),
      });
    }
    for (const [name, handler] of Object.entries(COLD_HANDLERS)) {
      add(`bundle:${name}`, handler);
      add(`before:${name}`, handler, 'before');
      const naive = join(ENTRY_DIR, `naive-${name}-${process.pid}.mjs`);
      generated.push(naive);
      writeFileSync(naive, naiveEntry(handler));
      add(`naive:${name}`, relative(REPO_ROOT, naive));
    }
    const built = await Promise.all(targets.map((target) => target.facts));
    const floorBytes = new Map(
      await Promise.all(
        floors.map(async ({ traced, facts }) => [traced, (await facts).minifiedBytes] as const),
      ),
    );
    const facts = new Map(targets.map((target, i) => [target.id, built[i] as BundleFacts]));
    for (const file of generated) rmSync(file, { force: true });
    const functions = await functionSizes(root);
    options.log(
      `cold start: built ${targets.length} bundles; importing each ${options.runs}× in fresh processes`,
    );

    // Interleaved, alternating direction, so drift in machine load spreads over every target.
    const samples = new Map<string, number[]>(targets.map((t) => [t.id, []]));
    for (let run = 0; run < options.runs; run++) {
      for (const target of run % 2 === 0 ? targets : [...targets].reverse()) {
        samples.get(target.id)?.push(timeImport(target.file, child));
      }
    }
    const timing = (id: string): ImportTiming => {
      const s = stats(samples.get(id) ?? []);
      return { medianMs: s.median, p90Ms: s.p90, minMs: s.min, runs: s.runs };
    };
    const emptyFacts = facts.get('empty') as BundleFacts;
    const emptyMs = timing('empty').medianMs;
    const ratio = (ms: number): number => Math.round((ms / emptyMs) * 10) / 10;
    const sizes = functions.map((f) => f.minifiedBytes);
    const noNeeds = functions.filter((f) => !f.needs).map((f) => f.minifiedBytes);
    const fleet = {
      medianKB: kb1(median(sizes)),
      largestKB: kb1(Math.max(...sizes)),
      beforeMedianKB: kb1(median(functions.map((f) => f.beforeBytes))),
      beforeLargestKB: kb1(Math.max(...functions.map((f) => f.beforeBytes))),
      noNeedsLargestKB: kb1(Math.max(...noNeeds)),
      floorKB: {
        traced: kb1(floorBytes.get(true) ?? Number.NaN),
        untraced: kb1(floorBytes.get(false) ?? Number.NaN),
      },
    };
    return {
      node,
      runs: options.runs,
      nodeOptions: DEPLOYED_NODE_OPTIONS,
      empty: {
        minifiedBytes: emptyFacts.minifiedBytes,
        gzipBytes: emptyFacts.gzipBytes,
        import: timing('empty'),
      },
      handlers: Object.entries(COLD_HANDLERS).map(([name, handler]): ColdHandlerResult => {
        const bundle = { ...(facts.get(`bundle:${name}`) as BundleFacts), import: timing(`bundle:${name}`) };
        const before = { ...(facts.get(`before:${name}`) as BundleFacts), import: timing(`before:${name}`) };
        const naive = { ...(facts.get(`naive:${name}`) as BundleFacts), import: timing(`naive:${name}`) };
        const row = rowOf(handler);
        const needs = row === undefined || (row.needs ?? []).length > 0;
        const importRatio = ratio(bundle.import.medianMs);
        return {
          name,
          handler,
          needs,
          profile: row ? bundleProfile(row, TRACING) : null,
          bundle,
          before,
          naive,
          importRatio,
          beforeImportRatio: ratio(before.import.medianMs),
          meets: {
            minified: needs || bundle.minifiedBytes <= COLD_TARGETS.noNeedsKB * 1024,
            importRatio:
              importRatio <= (needs ? COLD_TARGETS.needsImportRatio : COLD_TARGETS.noNeedsImportRatio),
          },
        };
      }),
      functions,
      fleet: {
        ...fleet,
        meets: {
          median: fleet.medianKB <= COLD_TARGETS.medianKB,
          largest: fleet.largestKB <= COLD_TARGETS.largestKB,
          noNeeds: fleet.noNeedsLargestKB <= COLD_TARGETS.noNeedsKB,
        },
      },
    };
  } finally {
    for (const file of generated) rmSync(file, { force: true });
    rmSync(root, { recursive: true, force: true });
  }
}
