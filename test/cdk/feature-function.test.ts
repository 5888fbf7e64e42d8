import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { fallback, version } from '../../functions/platform/routes.ts';
import { routes } from '../../functions/routes.ts';
import { bundleProfile } from '../../functions/shared/config/bundle.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { STAGE_CONFIGS } from '../../lib/config/stages.ts';
import { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { bundleEntry, bytesByPackage } from '../bench/layers/bundle.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-feature-function-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('FeatureFunction bundling', () => {
  it('ships byte for byte the bundle the benchmark harness builds and measures', async () => {
    // Arrange
    const app = new App({ outdir: join(outdir, 'app') });
    const fn = new FeatureFunction(new Stack(app, 'Bundling'), 'Version', {
      entry: version.handler,
      feature: 'platform',
      config: STAGE_CONFIGS.local,
      route: version,
    });
    const shipped = join(app.outdir, (fn.node.findChild('Code') as Asset).assetPath, 'index.mjs');

    // Act
    const { outfile } = await bundleEntry(
      version.handler,
      join(outdir, 'bench', 'index.mjs'),
      {},
      bundleProfile(version, STAGE_CONFIGS.local.features.xray),
    );

    // Assert: any option set on one side only (FeatureFunction's props or the harness) changes the bytes.
    assert.deepEqual(fn.bundleJob.profile, bundleProfile(version, false));
    assert.ok(readFileSync(shipped).equals(readFileSync(outfile)), `${shipped} differs from ${outfile}`);
    Template.fromStack(Stack.of(fn)).resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });

  it('gives each function its own bundle (CDK caches assets by source folder and options)', () => {
    const app = new App({ outdir: join(outdir, 'two') });
    const stack = new Stack(app, 'Two');
    const functions = [version, fallback].map(
      (route) =>
        new FeatureFunction(stack, route.id.replace('.', ''), {
          entry: route.handler,
          feature: 'platform',
          config: STAGE_CONFIGS.local,
          route,
        }),
    );

    const paths = functions.map((fn) => (fn.node.findChild('Code') as Asset).assetPath);

    assert.notEqual(paths[0], paths[1]);
  });
});

/** The packages whose presence a row must justify. */
function forbiddenPackages(route: RouteDef, tracing: boolean): RegExp[] {
  const profile = bundleProfile(route, tracing);
  const needs = route.needs ?? [];
  const forbidden: RegExp[] = [];
  if (needs.length === 0) forbidden.push(/^@aws-sdk\//, /^@smithy\//, /^@upstash\//);
  if (!profile.rateLimit) forbidden.push(/^@upstash\/ratelimit$/);
  if (!profile.tracer) forbidden.push(/^aws-xray-sdk-core$/, /^cls-hooked$/);
  if (needs.length === 0 && route.request === undefined) forbidden.push(/^zod$/);
  return forbidden;
}

describe('a route function bundle', () => {
  // Prod: tracing on, the largest bundles a stage ships.
  const tracing = STAGE_CONFIGS.prod.features.xray;
  for (const route of [...routes, fallback]) {
    it(`${route.id} carries no package its row does not use`, async () => {
      const outfile = join(outdir, 'rows', route.id, 'index.mjs');

      const { metafile } = await bundleEntry(route.handler, outfile, {}, bundleProfile(route, tracing));

      // What ships: esbuild also lists modules it read and then dropped whole (0 bytes out).
      const packages = bytesByPackage(metafile, outfile)
        .filter(([, bytes]) => bytes > 0)
        .map(([pkg]) => pkg);
      for (const pattern of forbiddenPackages(route, tracing)) {
        const found = packages.filter((pkg) => pattern.test(pkg));
        assert.deepEqual(found, [], `${route.id} bundles ${found.join(', ')}`);
      }
    });
  }
});
