import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { build } from 'esbuild';
import { findHandlers, isSharedDep, SHARED_DEP_PATTERNS } from '../../layers/shared-deps.ts';
import { STAGE_CONFIGS, type StageConfig } from '../../lib/config/stages.ts';
import { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { SharedDependenciesLayer } from '../../lib/constructs/shared-dependencies-layer.ts';
import { ApiStack } from '../../lib/stacks/api-stack.ts';
import { RouteHostStack } from '../../lib/stacks/route-host-stack.ts';
import { StatefulStack } from '../../lib/stacks/stateful-stack.ts';
import { bundleEntry } from '../bench/layers/bundle.ts';
import { handlerEnv, invokeOnce, linkLayer, tryImport } from '../bench/layers/import-time.ts';
import { buildApp, cdkContext } from './support/build-app.ts';

/** The API stack (authorizer, jobs) and the Platform stack (route functions, among them version's). */
interface Shipped {
  readonly app: App;
  readonly api: ApiStack;
  readonly platform: RouteHostStack;
  readonly functions: readonly FeatureFunction[];
}

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-shared-deps-layer-'));
let off: Shipped;
let on: Shipped;

function shipped(app: App, api: ApiStack, platform: RouteHostStack): Shipped {
  const functions = [api, platform].flatMap((stack) =>
    stack.node.findAll().filter((c): c is FeatureFunction => c instanceof FeatureFunction),
  );
  return { app, api, platform, functions };
}

/** The local stage as bin/nimbus.ts builds it, with the setting flipped on. */
function buildWithLayer(): Shipped {
  const base = STAGE_CONFIGS.local;
  const config: StageConfig = { ...base, functions: { ...base.functions, sharedDependenciesLayer: true } };
  const app = new App({ outdir: join(outdir, 'on'), context: cdkContext('local') });
  const stateful = new StatefulStack(app, 'Nimbus-local-Stateful', { config });
  const api = new ApiStack(app, 'Nimbus-local-Api', { config, stateful });
  const platform = new RouteHostStack(app, 'Nimbus-local-Platform', {
    config,
    stateful,
    role: 'Platform',
    api: api.routeApi.api,
    alertTopic: api.alarms.topic,
    signingKeyRotation: api.signingKeyRotation,
    rollbackAlarms: [],
  });
  return shipped(app, api, platform);
}

const assetDir = (app: App, construct: FeatureFunction | SharedDependenciesLayer): string =>
  join(app.outdir, (construct.node.findChild('Code') as Asset).assetPath);

const logicalId = (stack: Stack, fn: FeatureFunction): string =>
  stack.getLogicalId(fn.node.defaultChild as CfnElement);

/** A function's `Layers` in its stack's template. */
function layersOf(_shipped: Shipped, fn: FeatureFunction): unknown {
  const stack = Stack.of(fn);
  const resources = Template.fromStack(stack).toJSON().Resources as Record<
    string,
    { Properties: { Layers?: unknown } }
  >;
  return resources[logicalId(stack, fn)]?.Properties.Layers;
}

function versionFunction({ platform }: Shipped): FeatureFunction {
  const fn = platform.routeFunctions.functions.get('platform.version');
  assert.ok(fn, 'the version route has a function');
  return fn;
}

/** Package specifiers a function's shipped bundle imports (statically or dynamically), built-ins aside. */
async function bareImports(fnAsset: string): Promise<string[]> {
  const file = join(fnAsset, 'index.mjs');
  const { metafile } = await build({
    entryPoints: [file],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(metafile.inputs).flatMap((input) => input.imports);
  return [...new Set(imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))].sort();
}

/** `<pkg>/<subpath>` specifiers the layer's `package.json` exports maps serve. */
function layerSpecifiers(nodeModules: string): Set<string> {
  const served = new Set<string>();
  const packages = readdirSync(nodeModules).flatMap((entry) =>
    entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((name) => `${entry}/${name}`) : [entry],
  );
  for (const pkg of packages) {
    const manifest = join(nodeModules, pkg, 'package.json');
    let exportsMap: Record<string, string>;
    try {
      ({ exports: exportsMap } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports: Record<string, string>;
      });
    } catch {
      continue; // `.shared-deps/`: chunks, not a package
    }
    for (const subpath of Object.keys(exportsMap))
      served.add(subpath === '.' ? pkg : `${pkg}${subpath.slice(1)}`);
  }
  return served;
}

/** The function's bundle in a task directory whose node_modules links the layer's packages (as ministack does). */
function taskWithLayer(fnAsset: string, layerNodeModules: string, name: string): string {
  const task = join(outdir, 'tasks', name);
  mkdirSync(task, { recursive: true });
  for (const file of readdirSync(fnAsset)) copyFileSync(join(fnAsset, file), join(task, file));
  linkLayer(task, layerNodeModules);
  return join(task, 'index.mjs');
}

// Every function is bundled by esbuild: build each app once for the whole file.
before(() => {
  const local = buildApp('local', { outdir: join(outdir, 'off') });
  off = shipped(local.app, local.api, local.platform);
  on = buildWithLayer();
});
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('functions.sharedDependenciesLayer off (every stage today)', () => {
  it('deploys no layer and gives no function one', () => {
    for (const stack of [off.api, off.platform])
      Template.fromStack(stack).resourceCountIs('AWS::Lambda::LayerVersion', 0);
    for (const fn of off.functions) {
      assert.equal(layersOf(off, fn), undefined, fn.node.path);
    }
  });

  it('bundles every dependency into each function: no package import is left', async () => {
    assert.ok(off.functions.length > 0);
    for (const fn of off.functions) {
      assert.deepEqual(await bareImports(assetDir(off.app, fn)), [], fn.node.path);
    }
  });
});

describe('functions.sharedDependenciesLayer on', () => {
  /** Each stack deploys its own copy of the layer (a layer version is a stack's resource). */
  const layerOf = (stack: Stack = on.api): SharedDependenciesLayer => {
    const layer = stack.node.findChild('SharedDependenciesLayer');
    assert.ok(layer instanceof SharedDependenciesLayer);
    return layer;
  };
  const layerNodeModules = (): string => join(assetDir(on.app, layerOf()), 'nodejs', 'node_modules');

  it('deploys one layer per stack for the functions runtime and architecture, and every function references its own', () => {
    for (const stack of [on.api, on.platform]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
      template.hasResourceProperties('AWS::Lambda::LayerVersion', {
        CompatibleRuntimes: ['nodejs22.x'],
        CompatibleArchitectures: ['arm64'],
      });
    }
    assert.equal(on.functions.length, off.functions.length);
    for (const fn of on.functions) {
      const stack = Stack.of(fn);
      const layerId = stack.getLogicalId(layerOf(stack).node.defaultChild as CfnElement);
      assert.deepEqual(layersOf(on, fn), [{ Ref: layerId }], fn.node.path);
    }
  });

  it("leaves exactly the layer's packages external, and the layer serves every specifier a function imports", async () => {
    const served = layerSpecifiers(layerNodeModules());
    for (const fn of on.functions) {
      const imports = await bareImports(assetDir(on.app, fn));
      assert.ok(imports.length > 0, `${fn.node.path} imports nothing from the layer`);
      for (const specifier of imports) {
        assert.ok(
          isSharedDep(specifier),
          `${fn.node.path} leaves ${specifier} external, not a layer package`,
        );
        assert.ok(
          served.has(specifier),
          `${fn.node.path} imports ${specifier}, which the layer does not export`,
        );
      }
    }
  });

  it('ships the bundle the benchmark harness measures in layer mode', async () => {
    const { outfile } = await bundleEntry(
      'functions/platform/handlers/version.ts',
      join(outdir, 'bench', 'index.mjs'),
      {
        external: [...SHARED_DEP_PATTERNS],
      },
      // Built for its route row, as FeatureFunction builds it (lib/constructs/bundling.ts).
      versionFunction(on).bundleJob.profile,
    );
    const shipped = join(assetDir(on.app, versionFunction(on)), 'index.mjs');
    assert.ok(readFileSync(shipped).equals(readFileSync(outfile)), `${shipped} differs from ${outfile}`);
  });

  it('every function initialises against the synthesized layer, and one answers as its bundle does', () => {
    // Module init with the environment of a deployed function (Tracer on), as the benchmark does.
    const init = { node: process.execPath, cwd: outdir, env: handlerEnv() };
    const tasks = new Map<FeatureFunction, string>();
    for (const fn of on.functions) {
      const file = taskWithLayer(assetDir(on.app, fn), layerNodeModules(), logicalId(Stack.of(fn), fn));
      tasks.set(fn, file);
      assert.equal(tryImport(file, init), 'ok', fn.node.path);
    }
    // Invoked with Tracer off: outside Lambda there is no X-Ray segment for it to open.
    const invoke = { ...init, env: { ...init.env, POWERTOOLS_TRACE_ENABLED: 'false' } };
    const layered = invokeOnce(tasks.get(versionFunction(on)) ?? '', invoke);
    assert.match(layered, /^200 \d+$/);
    assert.equal(layered, invokeOnce(join(assetDir(off.app, versionFunction(off)), 'index.mjs'), invoke));
  });

  it('refuses a function whose entry the layer was not built for', () => {
    assert.ok(!findHandlers().includes('functions/routes.ts'));
    assert.throws(
      () =>
        new FeatureFunction(on.api, 'Stray', {
          entry: 'functions/routes.ts',
          feature: 'platform',
          config: {
            ...STAGE_CONFIGS.local,
            functions: { ...STAGE_CONFIGS.local.functions, sharedDependenciesLayer: true },
          },
        }),
      /functions\/routes\.ts is not under functions\/<feature>\/handlers\//,
    );
  });
});
