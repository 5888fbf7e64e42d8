/**
 * Cold-start proxy: each handler bundled exactly as FeatureFunction bundles it
 * (test/bench/layers/bundle.ts), its minified and gzipped size, and `await import()` of it in
 * fresh Node processes (test/bench/layers/import-time.ts), against an empty handler and a naive
 * bundle of the same handler that imports every shared dependency whole.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
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

/** A representative subset: trivial, DynamoDB + Redis, identity with everything, a keys route. */
export const COLD_HANDLERS: Readonly<Record<string, string>> = {
  'health-live': 'functions/platform/handlers/health-live.ts',
  version: 'functions/platform/handlers/version.ts',
  'health-ready': 'functions/platform/handlers/health-ready.ts',
  'auth-login': 'functions/auth/handlers/login.ts',
  'keys-list': 'functions/keys/handlers/list.ts',
};

export const COLD_TARGETS = { minifiedKB: 150, importMs: 15 } as const;

/**
 * Generated entries live in the repository (so `#functions/...` and node_modules resolve), in a
 * git-ignored folder, as plain JavaScript (so that `tsc` over `test/` never sees them), and are
 * deleted after the build.
 */
const ENTRY_DIR = join(REPO_ROOT, 'test', 'bench', 'results', 'tmp');

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
function naiveEntry(handler: string): string {
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
  readonly bundle: BundleFacts & { readonly import: ImportTiming };
  readonly naive: BundleFacts & { readonly import: ImportTiming };
  readonly meets: { readonly minified: boolean; readonly importTime: boolean };
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
}

async function build(entry: string, outfile: string): Promise<BundleFacts> {
  const { metafile } = await bundleEntry(entry, outfile);
  const key = relative(REPO_ROOT, outfile).split('\\').join('/');
  const minifiedBytes = metafile.outputs[key]?.bytes ?? readFileSync(outfile).length;
  return {
    minifiedBytes,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    topPackages: bytesByPackage(metafile, outfile).slice(0, 8),
  };
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
    const add = (id: string, entry: string): void => {
      const file = join(root, id, 'index.mjs');
      targets.push({ id, file, facts: build(entry, file) });
    };
    add('empty', relative(REPO_ROOT, emptyEntry));
    for (const [name, handler] of Object.entries(COLD_HANDLERS)) {
      add(`bundle:${name}`, handler);
      const naive = join(ENTRY_DIR, `naive-${name}-${process.pid}.mjs`);
      generated.push(naive);
      writeFileSync(naive, naiveEntry(handler));
      add(`naive:${name}`, relative(REPO_ROOT, naive));
    }
    const built = await Promise.all(targets.map((target) => target.facts));
    const facts = new Map(targets.map((target, i) => [target.id, built[i] as BundleFacts]));
    for (const file of generated) rmSync(file, { force: true });
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
    return {
      node,
      runs: options.runs,
      nodeOptions: DEPLOYED_NODE_OPTIONS,
      empty: {
        minifiedBytes: emptyFacts.minifiedBytes,
        gzipBytes: emptyFacts.gzipBytes,
        import: timing('empty'),
      },
      handlers: Object.entries(COLD_HANDLERS).map(([name, handler]) => {
        const bundle = { ...(facts.get(`bundle:${name}`) as BundleFacts), import: timing(`bundle:${name}`) };
        const naive = { ...(facts.get(`naive:${name}`) as BundleFacts), import: timing(`naive:${name}`) };
        return {
          name,
          handler,
          bundle,
          naive,
          meets: {
            minified: bundle.minifiedBytes <= COLD_TARGETS.minifiedKB * 1024,
            importTime: bundle.import.medianMs <= COLD_TARGETS.importMs,
          },
        };
      }),
    };
  } finally {
    for (const file of generated) rmSync(file, { force: true });
    rmSync(root, { recursive: true, force: true });
  }
}
