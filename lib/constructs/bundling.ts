import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * The esbuild options every Nimbus function is built with, in esbuild's own terms: ESM, minified,
 * external source maps without sources, target node20 (the same bundle also runs on a host's
 * Node 20 under the local emulator), `module` before `main`, and a `require` for CommonJS
 * dependencies that call it for Node built-ins. What is external is not here: nothing by default
 * (the AWS SDK is bundled because the emulator provides none), the shared-dependencies layer's
 * packages when a stage turns the layer on.
 *
 * FeatureFunction's `bundling` props are derived from this object (`nodejsBundling`), and the
 * benchmarks (`test/bench/`) and the layer builder (`layers/`) pass it to esbuild directly, so
 * what is measured is what ships.
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

const OUTPUT_FORMATS = { esm: OutputFormat.ESM, cjs: OutputFormat.CJS } as const;

/**
 * NodejsFunction `bundling` props that make it run esbuild with FEATURE_FUNCTION_ESBUILD_OPTIONS
 * and `external`. NodejsFunction always passes `--bundle --platform=node` (the two options the
 * object states for direct esbuild callers), so those are not mapped.
 */
export function nodejsBundling(external: readonly string[]): BundlingOptions {
  const {
    bundle: _bundle,
    platform: _platform,
    format,
    target,
    minify,
    sourcemap,
    sourcesContent,
    mainFields,
    banner,
    ...rest
  } = FEATURE_FUNCTION_ESBUILD_OPTIONS;
  // An option added to the object above and not mapped here fails to compile: no silent drift.
  rest satisfies Readonly<Record<string, never>>;
  return {
    format: OUTPUT_FORMATS[format],
    target,
    minify,
    sourceMap: sourcemap,
    sourcesContent,
    mainFields: [...mainFields],
    externalModules: [...external],
    banner: banner.js,
  };
}
