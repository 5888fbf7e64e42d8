import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { REPO_ROOT } from '../lib/config/names.ts';
import { lambdaCredentialsPlugin, semverFunctionsPlugin } from '../lib/constructs/bundle-plugins.ts';
import { FEATURE_FUNCTION_ESBUILD_OPTIONS } from '../lib/constructs/bundling.ts';
import { invokeStoreFlagPlugin } from '../lib/constructs/invoke-store-flag-plugin.ts';
import { findHandlers, isSharedDep, packageName } from './shared-deps.ts';

export interface SharedDepsLayerOptions {
  /** Handler entries (relative to the repository root) whose shared imports the layer serves. @default every handler */
  readonly handlers?: readonly string[];
  /**
   * Export only what the handlers import (tree-shaken, smaller, rebuilt when a handler starts using
   * another export) instead of whole packages.
   * @default true
   */
  readonly trim?: boolean;
}

export interface SharedDepsLayer {
  /** Layer root, the directory to zip or hand to `Code.fromAsset`: it holds `nodejs/node_modules`. */
  readonly dir: string;
  readonly nodeModules: string;
  /** Bare specifiers the handlers import from the layer, e.g. `@aws-lambda-powertools/logger/middleware`. */
  readonly specifiers: readonly string[];
  /** Layer file each specifier resolves to. */
  readonly entryFiles: ReadonlyMap<string, string>;
  readonly metafile: Metafile;
}

interface Usage {
  readonly names: Set<string>;
  namespace: boolean;
}

const SKIP = Symbol('skip');

/** Marks shared dependencies external and records the file each specifier resolves to. */
function externalizeSharedDeps(resolved: Map<string, string>): Plugin {
  return {
    name: 'nimbus-shared-deps',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./#]/ }, async (args) => {
        if (args.pluginData === SKIP || !isSharedDep(args.path)) return undefined;
        const result = await pluginBuild.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        });
        if (result.errors.length > 0) return { errors: result.errors };
        resolved.set(args.path, result.path);
        return { path: args.path, external: true };
      });
    },
  };
}

const STATIC_IMPORT =
  /import\s*(?:([\w$]+)\s*,?\s*)?(\*\s*as\s+[\w$]+|\{[^}]*\})?\s*(?:from\s*)?["']([^"']+)["']/g;
const DYNAMIC_IMPORT = /import\(\s*["']([^"']+)["']\s*\)/g;

/** What one unminified ESM bundle imports from each external shared dependency. */
function collectUsage(code: string, usage: Map<string, Usage>): void {
  const use = (specifier: string): Usage => {
    let entry = usage.get(specifier);
    if (entry === undefined) {
      entry = { names: new Set(), namespace: false };
      usage.set(specifier, entry);
    }
    return entry;
  };
  for (const [, defaultName, clause, specifier] of code.matchAll(STATIC_IMPORT)) {
    if (specifier === undefined || !isSharedDep(specifier)) continue;
    const entry = use(specifier);
    if (defaultName !== undefined) entry.names.add('default');
    if (clause?.startsWith('*')) entry.namespace = true;
    else if (clause !== undefined) {
      for (const part of clause.slice(1, -1).split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (name) entry.names.add(name);
      }
    }
  }
  for (const [, specifier] of code.matchAll(DYNAMIC_IMPORT)) {
    if (specifier !== undefined && isSharedDep(specifier)) use(specifier).namespace = true;
  }
}

/** `@scope/pkg` → `@scope/pkg/index`; `@scope/pkg/sub` → `@scope/pkg/sub` (paths inside node_modules). */
function entryOut(specifier: string): string {
  const pkg = packageName(specifier);
  return specifier === pkg ? `${pkg}/index` : specifier;
}

function installedVersion(resolvedFile: string, pkg: string): string {
  const at = resolvedFile.lastIndexOf(`node_modules/${pkg}/`);
  if (at === -1) return '0.0.0';
  const manifest = join(resolvedFile.slice(0, at), 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version ?? '0.0.0';
}

/**
 * Builds a Lambda layer holding the shared dependencies the handlers import, as
 * `outDir/nodejs/node_modules/<package>/` with a `package.json` `exports` map, so a handler
 * bundled with those packages external (`external: SHARED_DEP_PATTERNS`) finds them by bare
 * specifier. The code is bundled with FeatureFunction's options and code splitting: every
 * module is loaded once however many entry points reach it, in chunks under `.shared-deps/`.
 */
export async function buildSharedDepsLayer(
  outDir: string,
  options: SharedDepsLayerOptions = {},
): Promise<SharedDepsLayer> {
  const handlers = options.handlers ?? findHandlers();
  const trim = options.trim ?? true;
  const resolved = new Map<string, string>();
  const usage = new Map<string, Usage>();
  // One build of every handler with the shared dependencies external: its import statements say
  // which names each handler takes from which specifier.
  const analysis = await build({
    ...FEATURE_FUNCTION_ESBUILD_OPTIONS,
    entryPoints: handlers.map((entry) => join(REPO_ROOT, entry)),
    absWorkingDir: REPO_ROOT,
    outdir: join(REPO_ROOT, '.analysis'),
    write: false,
    minify: false,
    sourcemap: false,
    banner: {},
    logLevel: 'warning',
    plugins: [externalizeSharedDeps(resolved)],
  });
  for (const file of analysis.outputFiles) collectUsage(file.text, usage);

  const stubDir = mkdtempSync(join(tmpdir(), 'nimbus-layer-stubs-'));
  try {
    const specifiers = [...usage.keys()].sort();
    const entryPoints = specifiers.map((specifier, index) => {
      const target = resolved.get(specifier);
      if (target === undefined) throw new Error(`Shared dependency ${specifier} did not resolve`);
      const { names, namespace } = usage.get(specifier) ?? { names: new Set<string>(), namespace: true };
      const from = JSON.stringify(target);
      // `export *` cannot name a CommonJS module's exports; the names the handlers use are always
      // re-exported explicitly as well (an explicit export wins over the star, no conflict).
      const lines = !trim || namespace ? [`export * from ${from};`] : [];
      const named = [...names].sort();
      if (named.length > 0) lines.push(`export { ${named.join(', ')} } from ${from};`);
      if (lines.length === 0) lines.push(`import ${from};`);
      const stub = join(stubDir, `entry-${index}.mjs`);
      writeFileSync(stub, `${lines.join('\n')}\n`);
      return { in: stub, out: entryOut(specifier) };
    });

    rmSync(outDir, { recursive: true, force: true });
    const nodeModules = join(outDir, 'nodejs', 'node_modules');
    const result = await build({
      ...FEATURE_FUNCTION_ESBUILD_OPTIONS,
      entryPoints,
      absWorkingDir: REPO_ROOT,
      outdir: nodeModules,
      outExtension: { '.js': '.mjs' },
      splitting: true,
      chunkNames: '.shared-deps/[name]-[hash]',
      metafile: true,
      logLevel: 'warning',
      // The SDK clients, Powertools and the Tracer live here when the layer is on: the same trims as
      // a bundle's.
      plugins: [lambdaCredentialsPlugin(), semverFunctionsPlugin(), invokeStoreFlagPlugin()],
    });

    const exportsByPackage = new Map<string, Record<string, string>>();
    const entryFiles = new Map<string, string>();
    for (const specifier of specifiers) {
      const pkg = packageName(specifier);
      const file = `./${entryOut(specifier).slice(pkg.length + 1)}.mjs`;
      const exportsMap = exportsByPackage.get(pkg) ?? {};
      exportsMap[specifier === pkg ? '.' : `.${specifier.slice(pkg.length)}`] = file;
      exportsByPackage.set(pkg, exportsMap);
      entryFiles.set(specifier, join(nodeModules, `${entryOut(specifier)}.mjs`));
    }
    for (const [pkg, exportsMap] of exportsByPackage) {
      const version = installedVersion(
        resolved.get(specifiers.find((s) => packageName(s) === pkg) ?? '') ?? '',
        pkg,
      );
      mkdirSync(join(nodeModules, pkg), { recursive: true });
      writeFileSync(
        join(nodeModules, pkg, 'package.json'),
        `${JSON.stringify({ name: pkg, version, type: 'module', exports: exportsMap }, null, 2)}\n`,
      );
    }
    return { dir: outDir, nodeModules, specifiers, entryFiles, metafile: result.metafile };
  } finally {
    rmSync(stubDir, { recursive: true, force: true });
  }
}
