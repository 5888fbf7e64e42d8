import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Names more than one tool has to agree on: the CDK app, the local stack scripts, the admin CLI and
 * the tests all find the repository and the deployed stacks through here.
 */

/** The repository root (entries, lock file, cdk.json and `.local/` are resolved against it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type StackRole =
  | 'Stateful'
  | 'Api'
  | 'Identity'
  | 'Platform'
  | 'Gdpr'
  | 'Deployments'
  | 'Observability';

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
 * Physical names of the deployment saga's resources (the Deployments stack owns them; its route
 * functions and the monitoring routes find them by name).
 */
export function deploymentResourceNames(stage: string) {
  return {
    stateMachine: `nimbus-${stage}-deployment-saga`,
    eventQueue: `nimbus-${stage}-deployment-events`,
    eventDeadLetters: `nimbus-${stage}-deployment-events-dlq`,
  } as const;
}

/**
 * Where the secrets of deployment targets and notification endpoints live: a target names one by
 * its name (or ARN) under this prefix, and the driver may read nothing else.
 */
export function deploymentCredentialsPrefix(stage: string): string {
  return `nimbus/${stage}/deployments/`;
}

/**
 * The physical name of a route's function. Route functions live in their feature's stack
 * (`lib/config/route-hosting.ts`), deployed after the API stack: the API stack integrates each by
 * this name, without a reference to a later stack. `deployments.stack-create` →
 * `nimbus-prod-deployments-stack-create`.
 */
export function routeFunctionName(stage: string, routeId: string): string {
  const name = `nimbus-${stage}-${routeId.replace(/[^A-Za-z0-9-]/g, '-')}`;
  if (name.length > 64) throw new Error(`route function name ${name} is longer than Lambda's 64 characters`);
  return name;
}

/** The REST API's name: API Gateway's metrics are keyed by it (`ApiName`). */
export function restApiName(stage: string): string {
  return `nimbus-${stage}`;
}

/**
 * The alias API Gateway invokes where a stage releases functions gradually
 * (`functions.release`, lib/constructs/function-releases.ts): CodeDeploy moves it from version to version.
 */
export const LIVE_ALIAS = 'live';

/**
 * What every alarm name of a stage starts with: CloudFormation names an alarm without an explicit
 * `alarmName` `<stack name>-<logical id>-<suffix>`, and every stack of the stage is named
 * `Nimbus-<stage>-<role>` (no stage name is a prefix of another followed by `-`). The alerts route
 * lists alarms by it, and may read no other alarm.
 */
export function alarmNamePrefix(stage: string): string {
  return `Nimbus-${stage}-`;
}
