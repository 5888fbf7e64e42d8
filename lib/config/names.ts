import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names more than one tool has to agree on: the CDK app, the local stack scripts, the admin CLI and
 * the tests all find the repository and the deployed stacks through here.
 */

/** The repository root (entries, lock file, cdk.json and `.local/` are resolved against it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type StackRole = 'Stateful' | 'Api' | 'Gdpr' | 'Observability';

/** The CloudFormation stack name of one of a stage's stacks: `Nimbus-<stage>-<role>`. */
export function stackName(stage: string, role: StackRole): string {
  return `Nimbus-${stage}-${role}`;
}

/**
 * Physical names of the GDPR workflow resources. The API stack's routes start erasures and queue
 * exports, the GDPR stack (deployed after it, since it alarms to the API stack's topic) owns them:
 * fixed names let each side build the other's ARN without a cross-stack reference in both
 * directions (docs/decisions/0012-gdpr-workflows.md).
 */
export function gdprResourceNames(stage: string) {
  return {
    exportQueue: `nimbus-${stage}-gdpr-exports`,
    exportDeadLetters: `nimbus-${stage}-gdpr-exports-dlq`,
    erasureStateMachine: `nimbus-${stage}-gdpr-erasure`,
    erasureFailures: `nimbus-${stage}-gdpr-erasure-failures`,
  } as const;
}

/**
 * What every alarm name of a stage starts with: CloudFormation names an alarm without an explicit
 * `alarmName` `<stack name>-<logical id>-<suffix>`, and every stack of the stage is named
 * `Nimbus-<stage>-<role>` (no stage name is a prefix of another followed by `-`). The alerts route
 * lists alarms by it, and may read no other alarm.
 */
export function alarmNamePrefix(stage: string): string {
  return `Nimbus-${stage}-`;
}
