import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * An ARN of a stack's account and region as cdk-nag prints it in a finding's id (what an
 * acknowledgement must name): the tokens' names when the stack is environment-agnostic, their
 * values when an environment is set.
 */
export function nagArn(stack: Stack, service: string, resource: string): string {
  return Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
    ? `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`
    : `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
}

/**
 * The cdk-nag findings every Nimbus workflow state machine has by design (the GDPR erasure, the
 * deployment saga), acknowledged with the reason each holds: its tasks' `ARN:*` invoke grants, the
 * log-delivery and X-Ray actions, ERROR-level logging, and no X-Ray where the stage has none.
 */
export function acknowledgeWorkflow(
  machine: IConstruct,
  tasks: readonly IConstruct[],
  options: { readonly stage: string; readonly xray: boolean },
): void {
  const stack = Stack.of(machine);
  for (const task of tasks) {
    const logicalId = stack.getLogicalId(task.node.defaultChild as CfnElement);
    Validations.of(machine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason:
        'The LambdaInvoke task may invoke its own function by any version or alias (ARN:*); one statement per task function, no other function.',
    });
  }
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The CloudWatch Logs delivery actions Step Functions logging needs (logs:CreateLogDelivery and its kin) and X-Ray trace writes support no resource-level scoping.',
  });
  Validations.of(machine).acknowledge({
    id: 'AwsSolutions-SF1',
    reason:
      'Logs ERROR events without execution data: the execution history (90 days) already holds every step, and inputs carry ids only.',
  });
  if (!options.xray) {
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason: `The ${options.stage} target has no X-Ray (features.xray is off); tracing is on where it does.`,
    });
  }
}
