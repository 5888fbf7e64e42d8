import { relative, sep } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import type { BundleProfile } from '../../../functions/shared/config/bundle.ts';
import { packageName } from '../../../layers/shared-deps.ts';
import { REPO_ROOT } from '../../../lib/config/names.ts';
import { functionBuildOptions } from '../../../lib/constructs/bundling.ts';

/** Package a bundled input file belongs to (innermost node_modules), or `(app)` for our code. */
export function packageOfInput(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  return at === -1 ? '(app)' : packageName(inputPath.slice(at + marker.length));
}

export interface BundleResult {
  readonly outfile: string;
  readonly metafile: Metafile;
}

/**
 * Bundles one entry exactly as FeatureFunction does on a stage without the shared-dependencies
 * layer, into `outfile` (`.mjs`): with `profile`, as the function of a route row
 * (`routeProfile`); without, as a function without a row. `overrides` are applied last:
 * `{ external: [...SHARED_DEP_PATTERNS] }` gives the handler of a stage with the layer on.
 */
export async function bundleEntry(
  entry: string,
  outfile: string,
  overrides: BuildOptions = {},
  profile?: BundleProfile,
): Promise<BundleResult> {
  const result = await build({
    ...functionBuildOptions({ entry, outfile, ...(profile ? { profile } : {}) }),
    metafile: true,
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
