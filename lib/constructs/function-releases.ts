import { Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ILambdaDeploymentConfig,
  LambdaApplication,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
} from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LIVE_ALIAS } from '../config/names.ts';
import type { FunctionRelease, StageConfig } from '../config/stages.ts';

const DEPLOYMENT_CONFIGS: Readonly<Record<Exclude<FunctionRelease, 'allAtOnce'>, ILambdaDeploymentConfig>> = {
  canary10Percent5Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  canary10Percent10Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  canary10Percent15Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  linear10PercentEvery1Minute: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  linear10PercentEvery2Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
};

/** A function as its callers invoke it: itself, or its `live` alias and the group that moves it. */
export interface ServedFunction {
  /** What API Gateway invokes and grants are given on. */
  readonly live: LambdaFunction | Alias;
  /** The CodeDeploy group shifting `live` to each new version; absent when released all at once. */
  readonly group?: LambdaDeploymentGroup;
}

/**
 * How new code of a stack's API-facing functions reaches traffic (`functions.release`,
 * docs/decisions/0015-gradual-releases.md). All at once: callers invoke the function itself. Else
 * each served function gets a version per code or configuration change, a `live` alias its callers
 * invoke, and a CodeDeploy deployment group that shifts the alias to the new version by the
 * stage's canary or linear steps and moves it back when one of the given alarms fires during the
 * shift (or the deployment fails). One CodeDeploy application and one service role per stack.
 */
export class FunctionReleases extends Construct {
  private readonly deploymentConfig: ILambdaDeploymentConfig | undefined;
  private shared: { readonly application: LambdaApplication; readonly role: Role } | undefined;

  constructor(scope: Construct, id: string, props: { readonly config: StageConfig }) {
    super(scope, id);
    const { release } = props.config.functions;
    this.deploymentConfig = release === 'allAtOnce' ? undefined : DEPLOYMENT_CONFIGS[release];
  }

  get gradual(): boolean {
    return this.deploymentConfig !== undefined;
  }

  /**
   * Serves `fn` by the stage's release: its `live` alias and deployment group (built beside the
   * function, so a stack's resources grow with its own functions), rolled back on `alarms`.
   */
  serve(fn: LambdaFunction, alarms: readonly IAlarm[]): ServedFunction {
    if (this.deploymentConfig === undefined) return { live: fn };
    const { application, role } = this.sharedResources();
    const live = new Alias(fn, 'Live', { aliasName: LIVE_ALIAS, version: fn.currentVersion });
    const group = new LambdaDeploymentGroup(fn, 'Release', {
      application,
      alias: live,
      deploymentConfig: this.deploymentConfig,
      role,
      alarms: [...alarms],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    return { live, group };
  }

  private sharedResources(): { readonly application: LambdaApplication; readonly role: Role } {
    if (this.shared === undefined) {
      const role = new Role(this, 'DeployRole', {
        assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
        description: 'CodeDeploy shifting the live aliases of this stack and reading their alarms',
        managedPolicies: [
          ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited'),
        ],
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
        reason:
          "AWSCodeDeployRoleForLambdaLimited is AWS's narrow policy for Lambda deployments: update aliases, read alarms, invoke hook functions named CodeDeployHook_*.",
      });
      this.shared = { application: new LambdaApplication(this, 'Application'), role };
    }
    return this.shared;
  }
}
