import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { STAGE_CONFIGS } from '../../lib/config/stages.ts';
import { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { bundleEntry } from '../bench/layers/bundle.ts';

const ENTRY = 'functions/platform/handlers/version.ts';
const outdir = mkdtempSync(join(tmpdir(), 'nimbus-feature-function-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('FeatureFunction bundling', () => {
  it('ships byte for byte the bundle the benchmark harness builds and measures', async () => {
    // Arrange
    const app = new App({ outdir: join(outdir, 'app') });
    const fn = new FeatureFunction(new Stack(app, 'Bundling'), 'Version', {
      entry: ENTRY,
      feature: 'platform',
      config: STAGE_CONFIGS.local,
    });
    const shipped = join(app.outdir, (fn.node.findChild('Code') as Asset).assetPath, 'index.mjs');

    // Act
    const { outfile } = await bundleEntry(ENTRY, join(outdir, 'bench', 'index.mjs'));

    // Assert: any option set on one side only (FeatureFunction's props or the harness) changes the bytes.
    assert.ok(readFileSync(shipped).equals(readFileSync(outfile)), `${shipped} differs from ${outfile}`);
    Template.fromStack(Stack.of(fn)).resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });
});
