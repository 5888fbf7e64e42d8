import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names more than one tool has to agree on: the CDK app, the local stack scripts, the admin CLI and
 * the tests all find the repository and the deployed stacks through here.
 */

/** The repository root (entries, lock file, cdk.json and `.local/` are resolved against it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type StackRole = 'Stateful' | 'Api';

/** The CloudFormation stack name of one of a stage's stacks: `Nimbus-<stage>-<role>`. */
export function stackName(stage: string, role: StackRole): string {
  return `Nimbus-${stage}-${role}`;
}
