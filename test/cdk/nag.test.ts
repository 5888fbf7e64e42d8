import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { Stage } from '../../lib/config/stages.ts';
import { buildApp } from './support/build-app.ts';

const PACK = 'AwsSolutions';

interface ReportedConstruct {
  readonly constructPath: string;
}
interface ReportedViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly severity: string;
  readonly violatingConstructs: readonly ReportedConstruct[];
}
interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: 'success' | 'failure';
  readonly metadata?: { readonly error?: string };
  readonly violations: readonly ReportedViolation[];
}

interface NagResult {
  /** `<rule> at <construct path>` for each unacknowledged error. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  /** Set when the pack itself failed to run. */
  readonly packFailure: string | undefined;
}

const outdirs: string[] = [];

/**
 * Synthesises the app with the AwsSolutions pack registered the v3 way (a validation plugin) and
 * reads CDK's validation report, which is written whether or not synthesis then fails.
 */
function nag(app: App, outdir: string): NagResult {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    // Failing validation makes synth throw after writing the report; anything else is a real error.
    if (
      !(error instanceof Error && /Validation failed|ValidationFailed/.test(`${error.name} ${error.message}`))
    ) {
      throw error;
    }
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: PluginReport[];
  };
  const mine = report.pluginReports.filter((plugin) => plugin.pluginName === PACK);
  const findings = (severities: readonly string[]) =>
    mine.flatMap((plugin) =>
      plugin.violations
        .filter((violation) => severities.includes(violation.severity))
        .flatMap((violation) =>
          violation.violatingConstructs.map(
            (construct) => `${violation.ruleName} at ${construct.constructPath}: ${violation.description}`,
          ),
        ),
    );
  return {
    errors: findings(['error', 'fatal']),
    warnings: findings(['warning']),
    packFailure: mine.find((plugin) => plugin.metadata?.error !== undefined)?.metadata?.error,
  };
}

function tempOutdir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nimbus-nag-${label}-`));
  outdirs.push(dir);
  return dir;
}

after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('cdk-nag harness', () => {
  it('reports an unacknowledged AwsSolutions error with its construct path', () => {
    const outdir = tempOutdir('canary');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Canary');
    new Queue(stack, 'PlainQueue');

    const result = nag(app, outdir);

    assert.equal(result.packFailure, undefined);
    assert.ok(
      result.errors.some((finding) => finding.startsWith('AwsSolutions-SQS3 at Canary/PlainQueue/Resource')),
      result.errors.join('\n'),
    );
  });

  it('no longer reports an error once it is acknowledged with a reason', () => {
    const outdir = tempOutdir('acknowledged');
    const app = new App({ outdir });
    const stack = new Stack(app, 'Canary');
    const queue = new Queue(stack, 'PlainQueue');
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'canary: a DLQ is not the point here',
    });

    const result = nag(app, outdir);

    assert.ok(
      !result.errors.some((finding) => finding.startsWith('AwsSolutions-SQS3')),
      result.errors.join('\n'),
    );
  });
});

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: unknown }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

for (const stage of ['local', 'prod'] as const satisfies readonly Stage[]) {
  describe(`cdk-nag AwsSolutions (${stage})`, () => {
    let result: NagResult;
    let app: App;

    // One synthesis (and one esbuild run per function) for the stage.
    before(() => {
      const outdir = tempOutdir(stage);
      ({ app } = buildApp(stage, { outdir }));
      result = nag(app, outdir);
    });

    it('runs the pack to completion', () => {
      assert.equal(result.packFailure, undefined);
    });

    it('reports no unacknowledged errors', () => {
      assert.deepEqual(result.errors, [], `\n${result.errors.join('\n')}\n`);
    });

    it('gives a reason for every acknowledgement', () => {
      const acks = acknowledgements(app);
      assert.ok(acks.length > 0);
      for (const ack of acks) {
        assert.ok(
          typeof ack.reason === 'string' && ack.reason.trim().length >= 10,
          `${ack.id} at ${ack.path}`,
        );
      }
    });
  });
}
