/**
 * Builds the shared-dependencies layer into a directory:
 *
 *   node --import tsx layers/build.ts <outDir> [handler.ts ...]
 *
 * The CDK app runs this (SharedDependenciesLayer, on stages with
 * `functions.sharedDependenciesLayer`) with the handlers it deploys; without handlers, every
 * `functions/<feature>/handlers/*.ts`. A separate process because esbuild's plugin API, which the
 * builder needs, is asynchronous and construct constructors are not.
 */
import { resolve } from 'node:path';
import { buildSharedDepsLayer } from './shared-deps-layer.ts';

const [outDir, ...handlers] = process.argv.slice(2);
if (outDir === undefined) {
  process.stderr.write('usage: node --import tsx layers/build.ts <outDir> [handler.ts ...]\n');
  process.exit(2);
}
const layer = await buildSharedDepsLayer(resolve(outDir), handlers.length > 0 ? { handlers } : {});
process.stderr.write(`shared-deps layer in ${layer.dir}: ${layer.specifiers.length} specifiers\n`);
