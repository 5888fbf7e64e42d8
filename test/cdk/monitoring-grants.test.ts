import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { alarmNamePrefix, gdprResourceNames } from '../../lib/config/names.ts';
import { type BuiltApp, buildApp, routeFunctionsOf } from './support/build-app.ts';
import { flattened } from './support/flatten.ts';

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Json;
}
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

let built: BuiltApp;
let resources: Record<string, Resource> = {};
let gdprResources: Record<string, Resource> = {};
const outdir = mkdtempSync(join(tmpdir(), 'nimbus-monitoring-grants-'));

// One synth (bundling every function) for the whole file: prod, where the grants name real ARNs.
before(() => {
  built = buildApp('prod', { outdir });
  // The route functions live in nested stacks: read them with the API stack, flattened.
  resources = flattened(built) as unknown as Record<string, Resource>;
  gdprResources = Template.fromStack(built.gdpr).toJSON().Resources as Record<string, Resource>;
});

after(() => rmSync(outdir, { recursive: true, force: true }));

function functionId(routeId: string): string {
  const fn = routeFunctionsOf(built).get(routeId);
  assert.ok(fn, routeId);
  const element = fn.node.defaultChild as CfnElement;
  return element.stack.getLogicalId(element);
}

function statementsOf(routeId: string): Statement[] {
  const fn = resources[functionId(routeId)];
  assert.ok(fn);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (statements: readonly Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const withAction = (statements: readonly Statement[], action: string) =>
  statements.filter((s) => actionsOf([s]).includes(action));
function envOf(routeId: string): Json {
  const fn = resources[functionId(routeId)];
  assert.ok(fn, routeId);
  return (fn.Properties.Environment as { Variables: Json }).Variables;
}
const tableId = (table: unknown) => built.stateful.getLogicalId(table as CfnElement);

describe('monitoring routes: least privilege (prod)', () => {
  for (const routeId of ['monitoring.health', 'monitoring.systemInfo']) {
    it(`${routeId}: reads one item of each table (GetItem), and nothing else of them`, () => {
      const statements = statementsOf(routeId);
      const tables = [built.stateful.appTable, built.stateful.eventsTable, built.stateful.personalKeysTable];
      for (const table of tables) {
        const on = statements.filter((s) =>
          JSON.stringify(s.Resource).includes(tableId(table.node.defaultChild)),
        );
        assert.deepEqual(actionsOf(on), ['dynamodb:GetItem'], tableId(table.node.defaultChild));
      }
      assert.ok(
        !actionsOf(statements).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite|Query|Scan)/.test(a)),
      );
    });

    it(`${routeId}: reads the GDPR queues' attributes and describes the erasure machine, by ARN, nothing more`, () => {
      const names = gdprResourceNames('prod');
      const statements = statementsOf(routeId);
      const sqs = actionsOf(statements).filter((a) => a.startsWith('sqs:'));
      const states = actionsOf(statements).filter((a) => a.startsWith('states:'));
      const onQueues = JSON.stringify(
        withAction(statements, 'sqs:GetQueueAttributes').map((s) => s.Resource),
      );
      const onMachine = JSON.stringify(
        withAction(statements, 'states:DescribeStateMachine').map((s) => s.Resource),
      );

      assert.deepEqual([...new Set(sqs)].sort(), ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl']);
      assert.deepEqual(states, ['states:DescribeStateMachine']);
      for (const queue of [names.exportQueue, names.exportDeadLetters, names.erasureFailures])
        assert.ok(onQueues.includes(`:${queue}"`), `${queue} in ${onQueues}`);
      assert.ok(!onQueues.includes('*'), 'no queue wildcard');
      assert.ok(onMachine.includes(`stateMachine:${names.erasureStateMachine}"`), onMachine);
    });

    it(`${routeId}: is told where the workflows are, by name, through its environment`, () => {
      const env = envOf(routeId);

      assert.equal(env.NIMBUS_OBSERVED_EXPORT_QUEUE, gdprResourceNames('prod').exportQueue);
      assert.equal(env.NIMBUS_OBSERVED_EXPORT_DLQ, gdprResourceNames('prod').exportDeadLetters);
      assert.equal(env.NIMBUS_OBSERVED_ERASURE_FAILURE_QUEUE, gdprResourceNames('prod').erasureFailures);
      assert.match(JSON.stringify(env.NIMBUS_OBSERVED_ERASURE_STATE_MACHINE_ARN), /nimbus-prod-gdpr-erasure/);
    });
  }

  it('alerts: DescribeAlarms on the stage’s alarm names only, and nothing else', () => {
    const statements = statementsOf('monitoring.alerts');
    const describe = withAction(statements, 'cloudwatch:DescribeAlarms');

    assert.equal(describe.length, 1);
    assert.match(JSON.stringify(describe[0]?.Resource), /:alarm:Nimbus-prod-\*"/);
    assert.deepEqual(
      actionsOf(statements).filter((a) => a.startsWith('cloudwatch:')),
      ['cloudwatch:DescribeAlarms'],
    );
    assert.equal(envOf('monitoring.alerts').NIMBUS_ALARM_NAME_PREFIX, alarmNamePrefix('prod'));
  });

  it('alerts/test: publishes to the alarm topic, and the read-only routes cannot', () => {
    const topicId = built.api.getLogicalId(built.api.alarms.topic.node.defaultChild as CfnElement);
    const publishOn = (routeId: string) =>
      JSON.stringify(withAction(statementsOf(routeId), 'sns:Publish').map((s) => s.Resource));

    assert.match(publishOn('monitoring.alertTest'), new RegExp(topicId));
    for (const routeId of ['monitoring.health', 'monitoring.alerts', 'monitoring.systemInfo'])
      assert.equal(publishOn(routeId), '[]', routeId);
  });

  it('system-info: gets the config summary, which names no secret, endpoint or origin', () => {
    const summary = String(envOf('monitoring.systemInfo').NIMBUS_CONFIG_SUMMARY);

    assert.equal(typeof JSON.parse(summary), 'object');
    assert.doesNotMatch(summary, /upstash|https?:\/\/|arn:/i);
    assert.equal(envOf('monitoring.health').NIMBUS_CONFIG_SUMMARY, undefined);
  });

  it('no read-only monitoring route can read a secret it is not bound to', () => {
    for (const routeId of ['monitoring.health', 'monitoring.alerts']) {
      const onSecrets = JSON.stringify(withAction(statementsOf(routeId), 'secretsmanager:GetSecretValue'));
      for (const secret of [built.stateful.signingKeysSecret, built.stateful.dataKeySecret])
        assert.ok(!onSecrets.includes(tableId(secret.node.defaultChild)), routeId);
    }
  });
});

describe('stage alarms are found by their name prefix', () => {
  // The alerts route lists alarms by `alarmNamePrefix`: an explicit alarm name outside it would
  // never be listed (CloudFormation's generated names start with the stack name, which has it).
  it('sets no alarm name outside the stage prefix, in the API and GDPR stacks', () => {
    const alarms = [...Object.values(resources), ...Object.values(gdprResources)].filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm',
    );
    assert.ok(alarms.length > 0);
    const outside = alarms
      .map((r) => r.Properties.AlarmName)
      .filter(
        (name) =>
          name !== undefined && !(typeof name === 'string' && name.startsWith(alarmNamePrefix('prod'))),
      );

    assert.deepEqual(outside, []);
    for (const stack of [built.api, built.gdpr])
      assert.ok(stack.stackName.startsWith(alarmNamePrefix('prod')));
  });
});
