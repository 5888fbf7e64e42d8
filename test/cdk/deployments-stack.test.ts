import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { sagaTimeLimitSeconds } from '../../functions/deployments/config.ts';
import { routes } from '../../functions/routes.ts';
import { deploymentResourceNames, routeFunctionName } from '../../lib/config/names.ts';
import { routeHost } from '../../lib/config/route-hosting.ts';
import { STAGE_CONFIGS, type Stage } from '../../lib/config/stages.ts';
import { DeploymentsStack } from '../../lib/stacks/deployments-stack.ts';
import { StatefulStack } from '../../lib/stacks/stateful-stack.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-deployments-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

function deploymentsStack(stage: Stage) {
  const app = new App({ outdir: join(outdir, stage) });
  const config = STAGE_CONFIGS[stage];
  const stateful = new StatefulStack(app, 'Stateful', { config });
  const front = new Stack(app, 'Front');
  const alertTopic = new Topic(front, 'Topic');
  const api = new RestApi(front, 'Api');
  api.root.addMethod('GET', new MockIntegration());
  const stack = new DeploymentsStack(app, 'Deployments', { config, stateful, api, alertTopic });
  return { stack, template: Template.fromStack(stack), config };
}

for (const stage of ['local', 'prod'] as const) {
  describe(`Deployments stack (${stage})`, () => {
    const { template, config } = deploymentsStack(stage);
    const names = deploymentResourceNames(stage);
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

    it('holds a function for every deployments.* route, under the name the API methods call, each invocable by the API for its own method and path', () => {
      const hosted = routes.filter((route) => routeHost(route) === 'Deployments');
      assert.ok(hosted.length >= 20);
      for (const route of hosted) {
        const name = routeFunctionName(stage, route.id);
        const fn = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === name);
        assert.ok(fn, `${route.id}: ${name}`);
        // On a stage that releases gradually (prod) the API invokes the function's `live` alias.
        const invoked = [
          fn[0],
          ...ofType('AWS::Lambda::Alias')
            .filter(
              ([, alias]) => JSON.stringify(alias.Properties.FunctionName) === JSON.stringify({ Ref: fn[0] }),
            )
            .map(([aliasId]) => aliasId),
        ];
        assert.equal(invoked.length, config.functions.release === 'allAtOnce' ? 1 : 2, route.id);
        const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
          JSON.stringify(p.Properties.FunctionName).includes(`"${invoked.at(-1)}"`),
        );
        assert.equal(permissions.length, 1, route.id);
        const source = JSON.stringify(permissions[0]?.[1].Properties.SourceArn);
        assert.ok(
          source.includes(`/${route.method}${route.path.replace(/\{[^}]*\}/g, '*')}`),
          `${route.id}: ${source}`,
        );
      }
    });

    it('gives the event queue a dead-letter queue after 5 receives, alarmed on any message, and the notifier partial batch failures', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: names.eventQueue,
        RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
      const dlq = ofType('AWS::SQS::Queue').find(
        ([, q]) => q.Properties.QueueName === names.eventDeadLetters,
      );
      assert.ok(dlq);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq[0], 'QueueName'] } }],
        Threshold: 1,
        AlarmActions: Match.anyValue(),
      });
    });

    it('runs the saga as a Standard state machine with the whole-execution limit the lock lapses after', () => {
      const machines = ofType('AWS::StepFunctions::StateMachine');
      assert.equal(machines.length, 1);
      const machine = machines[0]?.[1] ?? { Properties: {} as Record<string, unknown> };
      assert.equal(machine.Properties.StateMachineName, names.stateMachine);
      assert.equal(machine.Properties.StateMachineType, 'STANDARD');
      // The definition with its function ARNs (tokens) replaced by a placeholder.
      const join = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] } | string;
      const text =
        typeof join === 'string'
          ? join
          : join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'X')).join('');
      const definition = JSON.parse(text) as { TimeoutSeconds?: number };
      assert.equal(definition.TimeoutSeconds, sagaTimeLimitSeconds(config.deployments), 'execution timeout');
      assert.ok(text.includes('waitForTaskToken'), 'the deploy step waits for a task token');
      assert.ok(text.includes('"JitterStrategy":"FULL"'), 'retries with full jitter');
      assert.deepEqual(machine.Properties.TracingConfiguration, { Enabled: stage === 'prod' });
    });

    it('alarms on deployment failures, timed-out executions, from the stage topic', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'DeploymentsFailed',
        Namespace: 'Nimbus',
        Threshold: 3,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ExecutionsTimedOut',
        Threshold: 1,
      });
    });

    it('lets only the saga tasks, the notifier and the callback route read target keys, and only under the stage prefix', () => {
      const readers = ofType('AWS::IAM::Policy').filter(([, policy]) =>
        JSON.stringify(policy.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
      );
      for (const [, policy] of readers) {
        const statements = (
          policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
        ).Statement;
        for (const statement of statements.filter((s) =>
          JSON.stringify(s.Action).includes('GetSecretValue'),
        )) {
          const resource = JSON.stringify(statement.Resource);
          assert.ok(
            resource.includes(`secret:nimbus/${stage}/deployments/*`) || resource.includes('Stateful'),
            resource,
          );
        }
      }
      const prefixReaders = readers.filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes(`nimbus/${stage}/deployments/*`),
      );
      // Nine saga tasks, the notifier and the callback route.
      assert.equal(prefixReaders.length, 11);
    });
  });
}
