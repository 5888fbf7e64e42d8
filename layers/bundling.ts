import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The esbuild options that FeatureFunction's `bundling` block (lib/constructs/feature-function.ts)
 * turns into, as NodejsFunction passes them to esbuild: ESM, minified, external source maps
 * without sources, target node20, `module` before `main`, nothing external (the AWS SDK is
 * bundled), and a `require` for CommonJS dependencies that call it for Node built-ins.
 * Kept in one object so that the construct, the benchmarks and the layer builder can share it.
 */
export const FEATURE_FUNCTION_ESBUILD_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [],
  banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
} satisfies BuildOptions);

/**
 * The heavy third-party dependencies every handler shares: what a shared-dependencies layer
 * would hold. esbuild `external` patterns; a package pattern also covers its subpaths.
 */
export const SHARED_DEP_PATTERNS: readonly string[] = [
  '@aws-lambda-powertools/*',
  '@middy/*',
  '@aws-sdk/*',
  '@smithy/*',
  '@upstash/*',
  'zod',
  'jose',
];

/** Package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `zod/v4` → `zod`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

export function isSharedDep(specifier: string): boolean {
  const pkg = packageName(specifier);
  return SHARED_DEP_PATTERNS.some((pattern) =>
    pattern.endsWith('/*') ? pkg.startsWith(pattern.slice(0, -1)) : pkg === pattern,
  );
}

/** Package a bundled input file belongs to (innermost node_modules), or `(app)` for our code. */
export function packageOfInput(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  return at === -1 ? '(app)' : packageName(inputPath.slice(at + marker.length));
}

/** Every Lambda entry file, `functions/<feature>/handlers/*.ts`, relative to the repository root. */
export function findHandlers(root = REPO_ROOT): string[] {
  const functionsDir = join(root, 'functions');
  const entries: string[] = [];
  for (const feature of readdirSync(functionsDir, { withFileTypes: true })) {
    if (!feature.isDirectory()) continue;
    const handlersDir = join(functionsDir, feature.name, 'handlers');
    let files: string[];
    try {
      files = readdirSync(handlersDir);
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
        entries.push(relative(root, join(handlersDir, file)).split(sep).join('/'));
      }
    }
  }
  return entries;
}

export interface BundleResult {
  readonly outfile: string;
  readonly metafile: Metafile;
}

/**
 * Bundles one entry exactly as FeatureFunction does, into `outfile` (`.mjs`). `overrides` are
 * applied last: `{ external: [...SHARED_DEP_PATTERNS] }` gives the layer-mode handler.
 */
export async function bundleEntry(
  entry: string,
  outfile: string,
  overrides: BuildOptions = {},
): Promise<BundleResult> {
  const result = await build({
    ...FEATURE_FUNCTION_ESBUILD_OPTIONS,
    entryPoints: [join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    outfile,
    metafile: true,
    logLevel: 'warning',
    ...overrides,
  });
  if (result.metafile === undefined) throw new Error(`esbuild returned no metafile for ${entry}`);
  return { outfile, metafile: result.metafile };
}

/** Bytes each package contributes to one output file of a build, largest first. */
export function bytesByPackage(metafile: Metafile, outfile: string): [string, number][] {
  const key = relative(REPO_ROOT, outfile).split(sep).join('/');
  const output = metafile.outputs[key];
  if (output === undefined) throw new Error(`No output ${key} in metafile`);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = packageOfInput(input);
    totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
