/**
 * Per-function bundles against a shared-dependencies layer: deploy size and module import time
 * (the cold-start cost a bundle's code adds) of every real handler, each measured in fresh Node
 * processes. Also probes each shared dependency alone and a few bundling variants, to say what
 * the bytes and milliseconds are spent on. See docs/decisions/0002-layers-vs-bundling.md.
 *
 *   node --import tsx test/bench/layers/measure.ts [--deep] [--all] [--json out.json] [--runs 15] [--node path] [--only text] [--keep]
 *
 * The layer is the one the CDK app deploys when a stage turns it on (`layers/shared-deps-layer.ts`);
 * `node --import tsx layers/build.ts <dir>` builds it alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, version as esbuildVersion, type Metafile } from 'esbuild';
import { findHandlers, SHARED_DEP_PATTERNS } from '../../../layers/shared-deps.ts';
import { buildSharedDepsLayer } from '../../../layers/shared-deps-layer.ts';
import { REPO_ROOT } from '../../../lib/config/names.ts';
import { FEATURE_FUNCTION_ESBUILD_OPTIONS } from '../../../lib/constructs/bundling.ts';
import { type BundleResult, bundleEntry, bytesByPackage } from './bundle.ts';
import {
  type ChildOptions,
  DEPLOYED_NODE_OPTIONS,
  defaultNode,
  handlerEnv,
  invokeOnce,
  linkLayer,
  type Stats,
  stats,
  timeImport,
  tryImport,
} from './import-time.ts';
import { formatReport } from './report.ts';
import { BASELINE, deepVariants, PROBES, SAMPLE_HANDLERS, SMOKE_HANDLERS, type Variant } from './variants.ts';

export { formatReport } from './report.ts';

interface Size {
  readonly bytes: number;
  readonly gzip: number;
}

interface OutputsSize extends Size {
  readonly files: number;
  readonly mapBytes: number;
  readonly mapGzip: number;
}

interface Built {
  readonly variant: string;
  readonly handler: string;
  readonly file: string;
  /** What the function's own asset holds: every .mjs and .map esbuild wrote for it. */
  readonly deployed: OutputsSize;
  /** Function code loaded at import: the static import closure of index.mjs. */
  readonly loaded: Size;
  /** Layer code loaded at import: the static import closure of the layer entries it imports. */
  readonly layerLoaded: Size;
  readonly metafile: Metafile;
}

const sizeOf = (file: string): Size => {
  const content = readFileSync(file);
  return { bytes: content.length, gzip: gzipSync(content).length };
};

const sumSizes = (files: readonly string[]): Size =>
  files
    .map(sizeOf)
    .reduce((a, b) => ({ bytes: a.bytes + b.bytes, gzip: a.gzip + b.gzip }), { bytes: 0, gzip: 0 });

function outputsSize(metafile: Metafile): OutputsSize {
  const files = Object.keys(metafile.outputs).map((key) => resolve(REPO_ROOT, key));
  const code = sumSizes(files.filter((f) => !f.endsWith('.map')));
  const maps = sumSizes(files.filter((f) => f.endsWith('.map')));
  return {
    files: files.length - files.filter((f) => f.endsWith('.map')).length,
    ...code,
    mapBytes: maps.bytes,
    mapGzip: maps.gzip,
  };
}

/** Output files loaded when `starts` are imported: their static (not dynamic) import closure. */
function staticClosure(metafile: Metafile, starts: readonly string[]): string[] {
  const outputs = new Map(
    Object.entries(metafile.outputs).map(([key, output]) => [resolve(REPO_ROOT, key), output]),
  );
  const seen = new Set<string>();
  const queue = [...starts];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || !outputs.has(file)) continue;
    seen.add(file);
    for (const { path, kind, external } of outputs.get(file)?.imports ?? []) {
      if (kind === 'import-statement' && !external && !path.startsWith('node:'))
        queue.push(resolve(REPO_ROOT, path));
    }
  }
  return [...seen];
}

async function buildVariant(variant: Variant, handler: string, root: string): Promise<Built> {
  const taskDir = join(root, variant.id, handler.replace(/^functions\//, '').replace(/\.ts$/, ''));
  const file = join(taskDir, 'index.mjs');
  const overrides: BuildOptions = {
    ...variant.overrides,
    ...(variant.overrides?.splitting ? { outfile: undefined, outdir: taskDir } : {}),
    ...(variant.layer ? { external: [...SHARED_DEP_PATTERNS] } : {}),
  };
  const { metafile }: BundleResult = await bundleEntry(handler, file, overrides);
  let layerLoaded: Size = { bytes: 0, gzip: 0 };
  if (variant.layer) {
    const { layer } = variant;
    linkLayer(taskDir, layer.nodeModules);
    const imports = Object.entries(metafile.outputs).find(([key]) => resolve(REPO_ROOT, key) === file)?.[1]
      .imports;
    const entries = (imports ?? []).flatMap((i) => (i.external ? [layer.entryFiles.get(i.path) ?? ''] : []));
    layerLoaded = sumSizes(staticClosure(layer.metafile, entries));
  }
  return {
    variant: variant.id,
    handler,
    file,
    deployed: outputsSize(metafile),
    loaded: sumSizes(staticClosure(metafile, [file])),
    layerLoaded,
    metafile,
  };
}

async function bundleSource(source: string, file: string): Promise<Metafile> {
  const result = await build({
    ...FEATURE_FUNCTION_ESBUILD_OPTIONS,
    stdin: { contents: source, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'probe.ts' },
    absWorkingDir: REPO_ROOT,
    outfile: file,
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

export interface MeasureOptions {
  /** Fresh processes per measured module. @default 15 */
  readonly runs?: number;
  /** Node binary the functions run on. @default the repository's pinned Node 22, else this one */
  readonly node?: string;
  /** Also measure the bundling variants and each shared dependency alone (about +1 min). @default false */
  readonly deep?: boolean;
  /** Time every handler, not one per set of bundled packages. @default false */
  readonly all?: boolean;
  /** Only handlers whose path contains this. */
  readonly only?: string;
  /** Keep the temp dir with every build. @default false */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

/** Builds everything into a temp dir, checks it runs, times it, and returns the report. */
export async function measure(options: MeasureOptions = {}) {
  const runs = options.runs ?? 15;
  const node = options.node ?? defaultNode();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'nimbus-layers-'));
  const env = handlerEnv();
  const child = (nodeOptions = DEPLOYED_NODE_OPTIONS, extra: Record<string, string> = {}): ChildOptions => ({
    node,
    cwd: root,
    nodeOptions,
    env: { ...env, ...extra },
  });
  try {
    const handlers = findHandlers().filter((h) => options.only === undefined || h.includes(options.only));
    if (handlers.length === 0) throw new Error(`No handler matches ${JSON.stringify(options.only)}`);
    const samples = SAMPLE_HANDLERS.filter((h) => handlers.includes(h));
    log(`building ${handlers.length} handlers in ${root}`);
    const layer = await buildSharedDepsLayer(join(root, 'layer'), { handlers });
    const fullLayer = options.deep
      ? await buildSharedDepsLayer(join(root, 'layer-full'), { handlers, trim: false })
      : undefined;
    const variants: Variant[] = [
      {
        id: 'bundle',
        description: 'per-function bundle (FeatureFunction today)',
        handlers,
        nodeOptions: DEPLOYED_NODE_OPTIONS,
      },
      {
        id: 'layer',
        description: 'handler + trimmed shared-deps layer',
        handlers,
        nodeOptions: DEPLOYED_NODE_OPTIONS,
        layer,
      },
      ...(fullLayer ? deepVariants(samples, fullLayer) : []),
    ];
    const built: Built[] = [];
    for (const variant of variants) {
      built.push(
        ...(await Promise.all(variant.handlers.map((handler) => buildVariant(variant, handler, root)))),
      );
    }
    const baselineFile = join(root, 'baseline', 'index.mjs');
    await bundleSource(BASELINE, baselineFile);
    const probes = [];
    for (const [name, source] of Object.entries(options.deep ? PROBES : {})) {
      const file = join(root, 'probe', `${name.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
      const metafile = await bundleSource(source, file);
      probes.push({ name, file, ...sizeOf(file), packages: bytesByPackage(metafile, file) });
    }

    // What resolves: plain Node ignores NODE_PATH for ESM; node_modules found walking up works.
    const resolution: Record<string, string> = {};
    const probe = built.find((b) => b.variant === 'layer');
    if (probe) {
      const bare = join(root, 'node-path-only', 'index.mjs');
      mkdirSync(dirname(bare), { recursive: true });
      writeFileSync(bare, readFileSync(probe.file));
      resolution[`${probe.handler}: bare specifiers, NODE_PATH=<layer>/nodejs/node_modules`] = tryImport(
        bare,
        child('', { NODE_PATH: layer.nodeModules }),
      );
      resolution[`${probe.handler}: bare specifiers, <task>/node_modules/<pkg> → layer symlinks`] = tryImport(
        probe.file,
        child(),
      );
    }
    const smoke: Record<string, string> = {};
    for (const handler of SMOKE_HANDLERS.filter((h) => handlers.includes(h))) {
      const [a, b] = ['bundle', 'layer'].map((variant) => {
        const target = built.find((x) => x.handler === handler && x.variant === variant);
        return target
          ? invokeOnce(target.file, child(DEPLOYED_NODE_OPTIONS, { POWERTOOLS_TRACE_ENABLED: 'false' }))
          : '';
      });
      smoke[handler] = a === b ? `same response (${a})` : `DIFFERENT: bundle ${a}, layer ${b}`;
    }

    // Handlers that bundle the same set of packages load nearly the same code, so by default one
    // of each set (the largest) is timed for both modes and stands for the others.
    const packageSet = (b: Built) =>
      bytesByPackage(b.metafile, b.file)
        .map(([pkg]) => pkg)
        .filter((pkg) => pkg !== '(app)')
        .sort()
        .join(',');
    const largest = new Map<string, Built>();
    for (const b of built.filter((x) => x.variant === 'bundle')) {
      const current = largest.get(packageSet(b));
      if (!current || b.loaded.bytes > current.loaded.bytes) largest.set(packageSet(b), b);
    }
    const timedAs = new Map<string, string>();
    for (const b of built.filter((x) => x.variant === 'bundle')) {
      const own = options.all || samples.includes(b.handler);
      timedAs.set(b.handler, own ? b.handler : (largest.get(packageSet(b))?.handler ?? b.handler));
    }
    const isTimed = (b: Built) =>
      (b.variant !== 'bundle' && b.variant !== 'layer') || timedAs.get(b.handler) === b.handler;

    const targets = [
      { id: 'baseline', file: baselineFile, nodeOptions: DEPLOYED_NODE_OPTIONS, timed: true },
      ...probes.map((p) => ({
        id: `probe:${p.name}`,
        file: p.file,
        nodeOptions: DEPLOYED_NODE_OPTIONS,
        timed: true,
      })),
      // Every variant of one handler side by side, so that paired differences compare runs taken
      // moments apart.
      ...[...built]
        .sort((a, b) => a.handler.localeCompare(b.handler))
        .map((b) => ({
          id: `${b.variant}:${b.handler}`,
          file: b.file,
          nodeOptions: variants.find((v) => v.id === b.variant)?.nodeOptions ?? '',
          timed: isTimed(b),
        })),
    ];
    // Every build is imported once, timed or not: this proves each handler loads both ways, and
    // warms the page cache. A module whose init fails is reported, not timed.
    const failed = new Map<string, string>();
    for (const target of targets) {
      const outcome = tryImport(target.file, child(target.nodeOptions));
      if (outcome !== 'ok') failed.set(target.id, outcome);
    }
    const timed = targets.filter((t) => t.timed && !failed.has(t.id));
    log(
      `built and checked in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `timing ${timed.length} modules × ${runs} fresh processes`,
    );
    // Round-robin, in reverse every other run, so that drift in machine load and position in the
    // order spread evenly over what is compared.
    const samplesById = new Map<string, number[]>(timed.map((t) => [t.id, []]));
    for (let run = 0; run < runs; run++) {
      for (const target of run % 2 === 0 ? timed : [...timed].reverse()) {
        samplesById.get(target.id)?.push(timeImport(target.file, child(target.nodeOptions)));
      }
    }
    const timing = (id: string): Stats => stats(samplesById.get(id) ?? []);
    /** Run-by-run difference to the per-function bundle of the same handler (paired, so less noisy). */
    const vsBundle = (id: string, handler: string): Stats | undefined => {
      const these = samplesById.get(id);
      const bundle = samplesById.get(`bundle:${handler}`);
      if (!these || !bundle || id === `bundle:${handler}`) return undefined;
      return stats(these.map((value, run) => value - (bundle[run] ?? Number.NaN)));
    };

    const baseline = timing('baseline');
    return {
      machine: {
        node: runNodeVersion(node),
        nodeBinary: node,
        hostNode: process.version,
        nproc: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        esbuild: esbuildVersion,
      },
      runs,
      totalSeconds: Math.round((performance.now() - started) / 100) / 10,
      baseline: { ...sizeOf(baselineFile), importMs: baseline },
      variants: variants.map(({ id, description, nodeOptions }) => ({ id, description, nodeOptions })),
      layers: {
        trimmed: outputsSize(layer.metafile),
        full: fullLayer ? outputsSize(fullLayer.metafile) : undefined,
        specifiers: layer.specifiers,
      },
      results: built.map((b) => {
        const { metafile, file, ...rest } = b;
        const as = isTimed(b) ? b.handler : (timedAs.get(b.handler) ?? b.handler);
        return {
          ...rest,
          timedAs: as,
          importMs: timing(`${b.variant}:${as}`),
          vsBundleMs: vsBundle(`${b.variant}:${as}`, as),
          importError: failed.get(`${b.variant}:${b.handler}`),
          packages: b.variant === 'bundle' ? bytesByPackage(metafile, file) : undefined,
        };
      }),
      probes: probes.map(({ file, ...rest }) => ({
        ...rest,
        importMs: timing(`probe:${rest.name}`),
        overBaselineMs: Math.round((timing(`probe:${rest.name}`).median - baseline.median) * 10) / 10,
      })),
      resolution,
      smoke,
    };
  } finally {
    if (options.keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

export type Report = Awaited<ReturnType<typeof measure>>;

function runNodeVersion(node: string): string {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      runs: { type: 'string', default: '15' },
      node: { type: 'string' },
      keep: { type: 'boolean', default: false },
      deep: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const report = await measure({
    runs: Number(values.runs),
    keep: values.keep,
    deep: values.deep,
    all: values.all,
    ...(values.only ? { only: values.only } : {}),
    ...(values.node ? { node: resolve(values.node) } : {}),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (values.json) writeFileSync(resolve(values.json), `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
