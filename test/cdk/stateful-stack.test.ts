import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { stackName } from '../../lib/config/names.ts';
import { resolveStage } from '../../lib/config/resolve-stage.ts';
import type { Stage } from '../../lib/config/stages.ts';
import { StatefulStack } from '../../lib/stacks/stateful-stack.ts';
import { cdkContext } from './support/build-app.ts';

// The stateful stack bundles nothing, so each test can afford its own app.
function statefulTemplate(stage: Stage): Template {
  const app = new App({ context: cdkContext(stage) });
  const stack = new StatefulStack(app, stackName(stage, 'Stateful'), { config: resolveStage(stage) });
  return Template.fromStack(stack);
}

interface TableJson {
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
}

function tables(template: Template): TableJson[] {
  return Object.values(template.findResources('AWS::DynamoDB::Table') as Record<string, TableJson>);
}

const isPersonalKeysTable = (id: string) => id.startsWith('PersonalKeysTable');

/** Every table but the personal-keys one, which has rules of its own. */
function dataTables(template: Template): TableJson[] {
  const all = template.findResources('AWS::DynamoDB::Table') as Record<string, TableJson>;
  return Object.entries(all)
    .filter(([id]) => !isPersonalKeysTable(id))
    .map(([, table]) => table);
}

function personalKeysTable(template: Template): TableJson {
  const all = template.findResources('AWS::DynamoDB::Table') as Record<string, TableJson>;
  const found = Object.entries(all).filter(([id]) => isPersonalKeysTable(id));
  assert.equal(found.length, 1, 'one personal-keys table');
  return (found[0] as [string, TableJson])[1];
}

describe('StatefulStack (prod)', () => {
  const template = statefulTemplate('prod');

  it('turns on point-in-time recovery for every table but the personal keys', () => {
    const all = dataTables(template);
    assert.ok(all.length >= 2);
    for (const table of all) {
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, {
        PointInTimeRecoveryEnabled: true,
      });
    }
  });

  it('retains tables and secrets when the stack goes, and protects tables from deletion', () => {
    for (const table of tables(template)) {
      assert.equal(table.DeletionPolicy, 'Retain');
      assert.equal(table.Properties.DeletionProtectionEnabled, true);
    }
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('StatefulStack (local)', () => {
  const template = statefulTemplate('local');

  it('leaves point-in-time recovery off on throwaway data', () => {
    for (const table of tables(template)) {
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, {
        PointInTimeRecoveryEnabled: false,
      });
    }
  });

  it('destroys its data with the stack', () => {
    for (const table of tables(template)) assert.equal(table.DeletionPolicy, 'Delete');
  });
});

for (const stage of ['local', 'prod'] as const) {
  describe(`StatefulStack (${stage}) tables`, () => {
    const template = statefulTemplate(stage);

    it('keeps personal keys with TTL on expiresAt and never point-in-time recovery: a restore must not bring a shredded key back', () => {
      const table = personalKeysTable(template);

      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, {
        PointInTimeRecoveryEnabled: false,
      });
      assert.deepEqual(table.Properties.TimeToLiveSpecification, {
        AttributeName: 'expiresAt',
        Enabled: true,
      });
      assert.deepEqual(table.Properties.KeySchema, [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      assert.equal(table.Properties.GlobalSecondaryIndexes, undefined);
      assert.equal(table.DeletionPolicy, stage === 'prod' ? 'Retain' : 'Delete');
      assert.equal(table.Properties.DeletionProtectionEnabled, stage === 'prod');
    });

    it('outputs the personal-keys table name', () => {
      template.hasOutput('PersonalKeysTableName', Match.anyValue());
    });

    it('encrypts every table at rest and bills per request', () => {
      for (const table of tables(template)) {
        assert.deepEqual(table.Properties.SSESpecification, { SSEEnabled: true });
        assert.equal(table.Properties.BillingMode, 'PAY_PER_REQUEST');
      }
    });

    it('keys the app table on pk/sk with gsi1 and TTL on expiresAt', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'gsi1' })]),
      });
    });

    it('generates the Upstash secret as a JSON document with a token key', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ GenerateStringKey: 'token', SecretStringTemplate: '{}' }),
      });
    });
  });
}
