import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { gdprResourceNames } from '../../lib/config/names.ts';
import { STAGE_CONFIGS, type Stage } from '../../lib/config/stages.ts';
import { GdprStack } from '../../lib/stacks/gdpr-stack.ts';
import { StatefulStack } from '../../lib/stacks/stateful-stack.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-gdpr-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

function gdprStack(stage: Stage) {
  const app = new App({ outdir: join(outdir, stage) });
  const config = STAGE_CONFIGS[stage];
  const stateful = new StatefulStack(app, 'Stateful', { config });
  const alerts = new Stack(app, 'Alerts');
  const topic = new Topic(alerts, 'Topic');
  const api = new RestApi(alerts, 'Api');
  api.root.addMethod('GET', new MockIntegration());
  const stack = new GdprStack(app, 'Gdpr', { config, stateful, alertTopic: topic, api });
  return { stack, template: Template.fromStack(stack), config };
}

for (const stage of ['local', 'prod'] as const) {
  describe(`GDPR stack (${stage})`, () => {
    const { template, config } = gdprStack(stage);
    const names = gdprResourceNames(stage);

    it('gives the export queue a DLQ after three receives, and the worker partial batch failures', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: names.exportQueue,
        RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('alarms on any message in the export DLQ and the erasure failure queue, on failed executions and overdue erasures', () => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm');
      const metricNames = Object.values(alarms).map(
        (alarm) => (alarm as { Properties: { MetricName?: string; Threshold?: number } }).Properties,
      );
      const dlqAlarms = metricNames.filter((p) => p.MetricName === 'ApproximateNumberOfMessagesVisible');
      assert.equal(dlqAlarms.length, 2);
      assert.ok(dlqAlarms.every((p) => p.Threshold === 1));
      assert.ok(metricNames.some((p) => p.MetricName === 'ExecutionsFailed'));
      assert.ok(metricNames.some((p) => p.MetricName === 'ErasuresOverdue'));
      for (const alarm of Object.values(alarms)) {
        const props = (alarm as { Properties: { AlarmActions?: unknown[]; MetricName?: string } }).Properties;
        // A route's 5xx alarm (gradual stages) stops its release; the API's own 5xx alarm pages.
        assert.equal(props.AlarmActions?.length, props.MetricName === '5XXError' ? undefined : 1);
      }
    });

    it('runs the erasure as a Standard state machine whose store step retries with full jitter and a maximum delay', () => {
      const machines = template.findResources('AWS::StepFunctions::StateMachine', {
        Properties: { StateMachineName: names.erasureStateMachine, StateMachineType: 'STANDARD' },
      });
      assert.equal(Object.keys(machines).length, 1);
      const definition = JSON.stringify(Object.values(machines)[0]);
      assert.match(definition, /\\"JitterStrategy\\":\\"FULL\\"/);
      assert.match(definition, /\\"MaxDelaySeconds\\":30/);
      // The machine branches on returned results: no Catch or Retry names a custom error.
      const errorNames = [...definition.matchAll(/\\"ErrorEquals\\":\[([^\]]*)\]/g)].map((m) => m[1]);
      assert.ok(errorNames.length > 0);
      assert.ok(
        errorNames.every((names) => names === '\\"States.ALL\\"'),
        errorNames.join(' '),
      );
    });

    it('fires the retention cleanup on the stage schedule', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: config.jobs.schedules.retentionCleanup,
      });
    });

    it('lets only the workflow functions delete personal data keys', () => {
      const policies = template.findResources('AWS::IAM::Policy');
      type Statement = { Action: string | string[]; Resource: unknown };
      const deletesPersonalKeys = (statement: Statement) =>
        [statement.Action].flat().includes('dynamodb:DeleteItem') &&
        JSON.stringify(statement.Resource).includes('PersonalKeysTable');
      const deleters = Object.values(policies).filter((policy) =>
        (policy.Properties.PolicyDocument.Statement as Statement[]).some(deletesPersonalKeys),
      );
      // Five erasure tasks, the export worker and the retention job; none of the GDPR routes.
      assert.equal(deleters.length, 7);
    });
  });
}
