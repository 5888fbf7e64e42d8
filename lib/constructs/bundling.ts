import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { type BundleProfile, bundleDefine } from '../../functions/shared/config/bundle.ts';
import { REPO_ROOT } from '../config/names.ts';
import {
  buildTimeModulesPlugin,
  lambdaCredentialsPlugin,
  routeRowsPlugin,
  semverFunctionsPlugin,
} from './bundle-plugins.ts';
import { invokeStoreFlagPlugin } from './invoke-store-flag-plugin.ts';

/**
 * The esbuild options every Nimbus function is built with, in esbuild's own terms: ESM, minified,
 * external source maps without sources, target node20 (the same bundle also runs on a host's
 * Node 20 under the local emulator), `module` before `main`, and a `require` for CommonJS
 * dependencies that call it for Node built-ins. What is external is not here: nothing by default
 * (the AWS SDK is bundled because the emulator provides none), the shared-dependencies layer's
 * packages when a stage turns the layer on.
 *
 * FeatureFunction builds every function with `functionBuildOptions` (this object, the route's
 * profile and the plugins), as the benchmarks (`test/bench/`) do; the layer builder (`layers/`)
 * starts from this object too, so what is measured is what ships.
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
  banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
} as const satisfies BuildOptions);

/** One function's build: what FeatureFunction asks for and the benchmark reproduces. */
export interface FunctionBundleJob {
  /** Entry file relative to the repository root. */
  readonly entry: string;
  /** Absolute path of the `.mjs` to write (its source map goes next to it). */
  readonly outfile: string;
  /** What the bundle carries (`functions/shared/config/bundle.ts`). @default everything, as without a row */
  readonly profile?: BundleProfile;
  /** Packages left out (the shared-dependencies layer's). @default none */
  readonly external?: readonly string[];
}

/**
 * The esbuild options of one function: FEATURE_FUNCTION_ESBUILD_OPTIONS, the profile's `define`
 * (dead pipeline stages dropped), route rows as data, `*.build.ts` modules evaluated at build
 * time, the SDK's credential chain cut to Lambda's environment credentials, CommonJS importers
 * of semver given only the functions they call (`bundle-plugins.ts`) and Powertools' invoke-store
 * flag read once per process (`invoke-store-flag-plugin.ts`).
 */
export function functionBuildOptions(job: FunctionBundleJob): BuildOptions {
  return {
    ...FEATURE_FUNCTION_ESBUILD_OPTIONS,
    mainFields: [...FEATURE_FUNCTION_ESBUILD_OPTIONS.mainFields],
    banner: { ...FEATURE_FUNCTION_ESBUILD_OPTIONS.banner },
    entryPoints: [join(REPO_ROOT, job.entry)],
    absWorkingDir: REPO_ROOT,
    outfile: job.outfile,
    external: [...(job.external ?? [])],
    define: bundleDefine(job.profile),
    plugins: [
      routeRowsPlugin(),
      buildTimeModulesPlugin(),
      lambdaCredentialsPlugin(),
      semverFunctionsPlugin(),
      invokeStoreFlagPlugin(),
    ],
    logLevel: 'warning',
  };
}
