import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { healthReady } from '../../functions/platform/routes.ts';
import { bundleProfile } from '../../functions/shared/config/bundle.ts';
import { REPO_ROOT } from '../../lib/config/names.ts';
import { semverFunctionsCalled } from '../../lib/constructs/bundle-plugins.ts';
import { rememberInvokeStoreFlag } from '../../lib/constructs/invoke-store-flag-plugin.ts';
import { bundleEntry } from '../bench/layers/bundle.ts';
import { LAMBDA_ENV } from '../bench/layers/import-time.ts';
import { functionEnvironment } from '../support/function-env.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-bundle-plugins-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('semverFunctionsCalled', () => {
  it('names the functions a module only calls on its semver binding', () => {
    const source = "var semver = require('semver');\nif (semver.gte(a, '8.0.0') && semver.lt(b, c)) {}";

    assert.deepEqual(semverFunctionsCalled(source), ['gte', 'lt']);
  });

  it('gives up on a module that does anything else with it', () => {
    const cases = [
      "const semver = require('semver'); use(semver);", // passed on
      "const semver = require('semver'); const gte = semver.gte;", // taken, not called
      "const semver = require('semver'); semver.SEMVER_SPEC_VERSION;", // a constant
      "const semver = require('semver'); const other = require('semver'); semver.gte(a, b);", // twice
      "import semver from 'semver'; semver.gte(a, b);", // ESM: tree-shaken by esbuild anyway
    ];
    for (const source of cases) assert.equal(semverFunctionsCalled(source), undefined, source);
  });

  it('reads the X-Ray SDK and cls-hooked as calling gte only (else their semver stays whole)', () => {
    const require = createRequire(join(REPO_ROOT, 'package.json'));
    const xrayRoot = join(require.resolve('aws-xray-sdk-core'), '..');
    const files = [join(xrayRoot, 'patchers', 'aws_p.js'), require.resolve('cls-hooked')];

    for (const file of files)
      assert.deepEqual(semverFunctionsCalled(readFileSync(file, 'utf8')), ['gte'], file);
  });
});

describe('a traced function bundle', () => {
  it("carries semver's gte and not its ranges, and still loads the X-Ray SDK", async () => {
    const outfile = join(outdir, 'health-ready', 'index.mjs');
    const { metafile } = await bundleEntry(
      healthReady.handler,
      outfile,
      {},
      bundleProfile(healthReady, true),
    );
    const semverFiles = Object.keys(metafile.inputs).filter((input) =>
      input.includes('node_modules/semver/'),
    );

    // cls-hooked picks its context by `semver.gte(process.versions.node, '8.0.0')` as it loads.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(outfile)}); console.log(Object.keys(process.namespaces ?? {}).join())`,
      ],
      { env: { ...functionEnvironment(), ...LAMBDA_ENV, PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
    );

    assert.ok(
      semverFiles.some((file) => file.endsWith('functions/gte.js')),
      semverFiles.join(),
    );
    assert.deepEqual(
      semverFiles.filter((file) => /\/(ranges|classes\/range)/.test(file)),
      [],
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'AWSXRay');
  });
});

describe("Powertools' invoke-store flag", () => {
  const FLAG = 'AWS_LAMBDA_MAX_CONCURRENCY';

  it('is read once per process in a function bundle, and on every call from node_modules', async () => {
    const outfile = join(outdir, 'invoke-store-flag', 'index.mjs');
    await bundleEntry('test/cdk/support/invoke-store-flag-entry.ts', outfile);
    const bundled = (await import(pathToFileURL(outfile).href)) as { shouldUseInvokeStore(): boolean };
    const installed = await import('@aws-lambda-powertools/commons/utils/env');
    const before = process.env[FLAG];
    delete process.env[FLAG];
    try {
      assert.equal(bundled.shouldUseInvokeStore(), false);
      assert.equal(installed.shouldUseInvokeStore(), false);
      process.env[FLAG] = '4';
      assert.equal(bundled.shouldUseInvokeStore(), false, 'the first answer holds for the process');
      assert.equal(installed.shouldUseInvokeStore(), true);
    } finally {
      if (before === undefined) delete process.env[FLAG];
      else process.env[FLAG] = before;
    }
  });

  it('refuses a source that does not declare it exactly once (a Powertools upgrade is looked at again)', () => {
    const declaration = 'const shouldUseInvokeStore = () => {\n  return true;\n};\n';
    assert.throws(() => rememberInvokeStoreFlag('const other = 1;\n'), /exactly one/);
    assert.throws(() => rememberInvokeStoreFlag(declaration + declaration), /exactly one/);
    assert.match(rememberInvokeStoreFlag(declaration), /invokeStoreFlag \?\?= readInvokeStoreFlag\(\)/);
  });
});
