import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ResourceNeed } from '../../functions/shared/http/route.ts';
import { STAGE_CONFIGS } from '../../lib/config/stages.ts';
import type { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { Job, type JobProps } from '../../lib/constructs/job.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-job-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

function jobIn(stack: Stack, overrides: Partial<JobProps> = {}) {
  const bound: Array<{ fn: FeatureFunction; needs: readonly ResourceNeed[] }> = [];
  const job = new Job(stack, 'Watch', {
    config: STAGE_CONFIGS.local,
    entry: 'functions/jobs/handlers/expiry-watch.ts',
    feature: 'jobs',
    description: 'Scheduled: test job',
    schedule: 'rate(1 minute)',
    needs: ['events:append', 'alerts:publish'],
    bind: (fn, needs) => bound.push({ fn, needs }),
    ...overrides,
  });
  return { job, bound };
}

describe('Job construct', () => {
  // One synth for the file: FeatureFunction bundles the entry with esbuild.
  const app = new App({ outdir: join(outdir, 'app') });
  const stack = new Stack(app, 'Jobs');
  const { job, bound } = jobIn(stack);
  const template = Template.fromStack(stack);
  const functionId = stack.getLogicalId(job.function.node.defaultChild as CfnElement);
  const ruleId = stack.getLogicalId(job.rule.node.defaultChild as CfnElement);

  it('fires an EventBridge rule on the given schedule at its own function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, Id: 'Target0' }],
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
  });

  it('lets only that rule invoke the function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('hands its needs, once, to the binder with its own function', () => {
    assert.equal(bound.length, 1);
    assert.equal(bound[0]?.fn, job.function);
    assert.deepEqual(bound[0]?.needs, ['events:append', 'alerts:publish']);
  });

  it('runs the function with the house defaults (Node.js 22, arm64, the stage timeout)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: STAGE_CONFIGS.local.functions.timeoutSeconds,
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'nimbus-jobs' } },
    });
  });

  for (const schedule of ['rate(1 minutes)', 'rate(5 minute)', 'every day', 'cron(0 3 * * *)', '']) {
    it(`refuses the schedule ${JSON.stringify(schedule)} at synth, naming it`, () => {
      const other = new Stack(new App({ outdir: join(outdir, 'refused') }), 'Refused');
      assert.throws(
        () => jobIn(other, { schedule }),
        new RegExp(`schedule must be .*${JSON.stringify(schedule).replace(/[()*]/g, '\\$&')}`),
      );
    });
  }
});
