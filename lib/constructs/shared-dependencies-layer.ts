import { join } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { findHandlers, SHARED_DEP_PATTERNS } from '../../layers/shared-deps.ts';
import { REPO_ROOT } from '../config/names.ts';

const ID = 'SharedDependenciesLayer';

/**
 * The Lambda layer built by `layers/` (`layers/build.ts`): the shared third-party dependencies of
 * every handler under `functions/<feature>/handlers/`, as `nodejs/node_modules/<package>/` ESM
 * entries with an `exports` map, exporting the names those handlers import. Functions that use it
 * are bundled with `externalModules` and resolve those packages by bare specifier: AWS Lambda's
 * Node.js 18+ runtimes search the layer's `/opt/nodejs/node_modules` (on `NODE_PATH`) for ES
 * modules too, and ministack links a layer's packages into the function's `node_modules`.
 *
 * One per stack (`SharedDependenciesLayer.of`), built at synth time in a child process; the
 * asset hash is that of the built layer, so an unchanged layer stays the same version.
 */
export class SharedDependenciesLayer extends LayerVersion {
  /** The stack's layer, created on first use. */
  static of(scope: Construct): SharedDependenciesLayer {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(ID);
    if (existing instanceof SharedDependenciesLayer) return existing;
    if (existing !== undefined)
      throw new Error(`${stack.node.path}/${ID} exists and is not the shared-deps layer`);
    return new SharedDependenciesLayer(stack, ID);
  }

  /** esbuild `external` patterns a function bundled against this layer leaves to it. */
  public readonly externalModules: readonly string[] = SHARED_DEP_PATTERNS;
  /** Entries (relative to the repository root) whose imports the layer serves. */
  public readonly handlers: readonly string[];

  private constructor(scope: Stack, id: string) {
    const assembly = Stage.of(scope);
    if (assembly === undefined) throw new Error(`${scope.node.path}: a stack outside an app has no cdk.out`);
    const handlers = findHandlers();
    // Inside the cloud assembly directory: rebuilt in place on every synth, gone with cdk.out.
    // No dot in the name: asset staging would carry it over as an extension.
    const outDir = join(assembly.outdir, `shared-deps-layer-${scope.artifactId}`);
    super(scope, id, {
      code: Code.fromCustomCommand(
        outDir,
        [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'layers', 'build.ts'), outDir, ...handlers],
        // stdout stays quiet: `cdk synth` prints the template there.
        { commandOptions: { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] } },
      ),
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      compatibleArchitectures: [Architecture.ARM_64],
      description: 'Nimbus shared dependencies (layers/): Powertools, middy, AWS SDK, Upstash, zod, jose',
    });
    this.handlers = handlers;
  }

  /** Throws unless the layer was built for `entry`: a handler it was not built for may import a name it lacks. */
  assertServes(entry: string): void {
    if (!this.handlers.includes(entry)) {
      throw new Error(
        `${entry} is not under functions/<feature>/handlers/, so the shared-deps layer was not built for it`,
      );
    }
  }
}
