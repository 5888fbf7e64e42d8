import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** Powertools commons' environment helpers, as bundled (the ESM build). */
const ENV_UTILS = /[\\/]@aws-lambda-powertools[\\/]commons[\\/]lib[\\/]esm[\\/]envUtils\.js$/;
const DECLARATION = 'const shouldUseInvokeStore = () =>';

/**
 * Powertools commons' `shouldUseInvokeStore` with its answer read once per process: the original
 * declaration renamed, and `shouldUseInvokeStore` redeclared to remember the first answer.
 * Throws when the source no longer declares it exactly once (a Powertools upgrade must be looked
 * at again, never bundled silently unchanged).
 */
export function rememberInvokeStoreFlag(source: string, file = 'envUtils.js'): string {
  const at = source.indexOf(DECLARATION);
  if (at === -1 || source.indexOf(DECLARATION, at + 1) !== -1) {
    throw new Error(`${file}: expected exactly one "${DECLARATION}"`);
  }
  return (
    source.replace(DECLARATION, 'const readInvokeStoreFlag = () =>') +
    '\nlet invokeStoreFlag;\nconst shouldUseInvokeStore = () => (invokeStoreFlag ??= readInvokeStoreFlag());\n'
  );
}

/**
 * Every get, set and reset of Powertools' per-invocation state (Logger and Metrics keep theirs in
 * `InvocationScoped`, commons 2.36) asks `shouldUseInvokeStore()`, which reads
 * `process.env.AWS_LAMBDA_MAX_CONCURRENCY` anew: a native environment lookup, about a dozen per
 * request, most of the warm pipeline's time (docs/PERFORMANCE.md, "Where the warm time goes").
 * The Lambda runtime sets that variable before the process starts and never changes it, so the
 * first answer holds for the process: bundles remember it. Only bundles change; tests run
 * Powertools from node_modules unchanged.
 */
export function invokeStoreFlagPlugin(): Plugin {
  return {
    name: 'nimbus-invoke-store-flag',
    setup(build) {
      build.onLoad({ filter: ENV_UTILS }, async (args) => ({
        contents: rememberInvokeStoreFlag(await readFile(args.path, 'utf8'), args.path),
        loader: 'js',
      }));
    },
  };
}
