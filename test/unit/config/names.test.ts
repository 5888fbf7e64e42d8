import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, stackName } from '../../../lib/config/names.ts';

describe('names shared by the CDK app and the tools', () => {
  it('names a stage stack Nimbus-<stage>-<role>', () => {
    assert.equal(stackName('local', 'Stateful'), 'Nimbus-local-Stateful');
    assert.equal(stackName('prod', 'Api'), 'Nimbus-prod-Api');
  });

  it('finds the repository root (where package.json and cdk.json are)', () => {
    assert.ok(existsSync(join(REPO_ROOT, 'package.json')));
    assert.ok(existsSync(join(REPO_ROOT, 'cdk.json')));
  });
});
