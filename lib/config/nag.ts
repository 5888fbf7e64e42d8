import { type Stack, Token } from 'aws-cdk-lib';

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
