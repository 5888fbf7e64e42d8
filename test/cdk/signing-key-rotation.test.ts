import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { STAGE_CONFIGS, type Stage } from '../../lib/config/stages.ts';
import { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { SigningKeyRotation } from '../../lib/constructs/signing-key-rotation.ts';

type Json = Record<string, unknown>;
interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

interface Built {
  readonly template: Template;
  readonly resources: Readonly<Record<string, { Type: string; Properties: Json }>>;
  readonly secretId: string;
  readonly rotationId: string;
  readonly rotatorId: string;
  readonly bound: string[];
}

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-signing-key-rotation-'));
after(() => rmSync(outdir, { recursive: true, force: true }));
const builds = new Map<Stage, Built>();

/** The construct alone in a stack, with one more function bound as a rotator (the rotate route). */
function build(stage: Stage): Built {
  const app = new App({ outdir: join(outdir, stage) });
  const stack = new Stack(app, 'Rotation');
  const config = STAGE_CONFIGS[stage];
  const secret = new Secret(stack, 'SigningKeys');
  const bound: string[] = [];
  const rotation = new SigningKeyRotation(stack, 'SigningKeyRotation', {
    config,
    secret,
    bindAuditAndCache: (fn) => bound.push(fn.node.path),
  });
  const rotator = new FeatureFunction(stack, 'RotateRoute', {
    entry: 'functions/auth/handlers/rotate-signing-keys.ts',
    feature: 'auth',
    config,
  });
  rotation.bindRotator(rotator, { startRotation: true });
  const template = Template.fromStack(stack);
  const id = (element: unknown) => stack.getLogicalId(element as CfnElement);
  return {
    template,
    resources: template.toJSON().Resources,
    secretId: id(secret.node.defaultChild),
    rotationId: id(rotation.function.node.defaultChild),
    rotatorId: id(rotator.node.defaultChild),
    bound,
  };
}

function stageBuild(stage: Stage): Built {
  const found = builds.get(stage);
  assert.ok(found, `${stage} was built in before()`);
  return found;
}

function propertiesOf(b: Built, logicalId: string): Json {
  const resource = b.resources[logicalId];
  assert.ok(resource, logicalId);
  return resource.Properties;
}

function statementsOf(b: Built, functionId: string): Statement[] {
  const role = (propertiesOf(b, functionId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(b.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actions = (statements: readonly Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
const envOf = (b: Built, functionId: string) =>
  (propertiesOf(b, functionId).Environment as { Variables: Json }).Variables;

before(() => {
  for (const stage of ['local', 'prod'] as const) builds.set(stage, build(stage));
});

describe('SigningKeyRotation (prod: the target runs rotation schedules)', () => {
  it('schedules the rotation function every auth.signingKeyRotationDays, without rotating on deploy', () => {
    const b = stageBuild('prod');

    b.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    const [schedule] = Object.values(b.resources).filter(
      (r) => r.Type === 'AWS::SecretsManager::RotationSchedule',
    );
    assert.deepEqual(schedule?.Properties.SecretId, { Ref: b.secretId });
    assert.deepEqual(schedule?.Properties.RotationLambdaARN, { 'Fn::GetAtt': [b.rotationId, 'Arn'] });
    assert.deepEqual(schedule?.Properties.RotationRules, {
      ScheduleExpression: `rate(${STAGE_CONFIGS.prod.auth.signingKeyRotationDays} days)`,
    });
    assert.equal(schedule?.Properties.RotateImmediatelyOnUpdate, false);
  });

  it('lets Secrets Manager, and no other service, invoke the rotation function', () => {
    const b = stageBuild('prod');
    const permissions = Object.values(b.resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.FunctionName).includes(`"${b.rotationId}"`),
    );

    assert.deepEqual(
      permissions.map((p) => p.Properties.Principal),
      ['secretsmanager.amazonaws.com'],
    );
  });

  it('lets the rotate route start a rotation of this secret through this function only', () => {
    const b = stageBuild('prod');
    const statements = statementsOf(b, b.rotatorId);
    const rotate = statements.find((s) => s.Action === 'secretsmanager:RotateSecret');
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');

    assert.deepEqual(rotate?.Resource, { Ref: b.secretId });
    assert.deepEqual(invoke?.Resource, { 'Fn::GetAtt': [b.rotationId, 'Arn'] });
    assert.equal(envOf(b, b.rotatorId).NIMBUS_SIGNING_KEY_ROTATED_BY, 'secrets-manager');
  });
});

describe('SigningKeyRotation (local: the emulator has no rotation schedules)', () => {
  it('creates no rotation schedule and no invoke permission for Secrets Manager', () => {
    const b = stageBuild('local');

    b.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    b.template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  it('tells the functions that Nimbus runs the steps, and grants no RotateSecret', () => {
    const b = stageBuild('local');

    assert.equal(envOf(b, b.rotationId).NIMBUS_SIGNING_KEY_ROTATED_BY, 'nimbus');
    assert.equal(envOf(b, b.rotatorId).NIMBUS_SIGNING_KEY_ROTATED_BY, 'nimbus');
    assert.ok(!actions(statementsOf(b, b.rotatorId)).includes('secretsmanager:RotateSecret'));
    assert.ok(!actions(statementsOf(b, b.rotatorId)).includes('lambda:InvokeFunction'));
  });
});

for (const stage of ['local', 'prod'] as const) {
  describe(`SigningKeyRotation (${stage}): the rotation function`, () => {
    it('reads and writes the versions of the signing-key secret, and starts no rotation itself', () => {
      const b = stageBuild(stage);
      const statements = statementsOf(b, b.rotationId).filter((s) =>
        JSON.stringify(s.Resource).includes(`"${b.secretId}"`),
      );
      const granted = actions(statements);

      for (const action of [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ]) {
        assert.ok(granted.includes(action), `${action} in ${granted.join(', ')}`);
      }
      assert.ok(!actions(statementsOf(b, b.rotationId)).includes('secretsmanager:RotateSecret'));
      assert.equal(envOf(b, b.rotationId).SIGNING_KEYS_SECRET_ARN !== undefined, true);
    });

    it('is bound to the audit trail and Redis through the stack', () => {
      const b = stageBuild(stage);

      assert.deepEqual(b.bound, ['Rotation/SigningKeyRotation/Function']);
    });
  });
}
