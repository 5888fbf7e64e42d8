import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { routes } from '../../functions/routes.ts';
import { nagArn } from '../config/nag.ts';
import { alarmNamePrefix } from '../config/names.ts';
import { routeHost } from '../config/route-hosting.ts';
import type { StageConfig } from '../config/stages.ts';
import { RouteFunctions } from '../constructs/route-functions.ts';
import type { SigningKeyRotation } from '../constructs/signing-key-rotation.ts';
import { needBinder, routeBinder } from './bindings.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface RouteHostStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  /** Which features' route functions it holds (`lib/config/route-hosting.ts`). */
  readonly role: 'Identity' | 'Platform';
  /** The REST API whose methods invoke them (API stack). */
  readonly api: IRestApi;
  /** The stage's alarm topic (API stack), for routes that publish to it. */
  readonly alertTopic: ITopic;
  /** The signing-key rotation (API stack), for routes that read or rotate the keys. */
  readonly signingKeyRotation: SigningKeyRotation;
  /** Stage-wide alarms that also roll back a gradual release here (the API's 5xx alarm). */
  readonly rollbackAlarms: readonly IAlarm[];
}

/**
 * The route functions of features with no resources beyond them: identity (`auth`, `keys`,
 * `audit`) and the platform's own routes (`platform`, `monitoring`, `ratelimit`). The API stack
 * has their methods and invokes them by name; GDPR and Deployments hold theirs beside their
 * workflows.
 */
export class RouteHostStack extends Stack {
  public readonly routeFunctions: RouteFunctions;

  constructor(scope: Construct, id: string, props: RouteHostStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const bind = needBinder(config, stateful, {
      alertTopic: props.alertTopic,
      signingKeyRotation: () => props.signingKeyRotation,
    });
    this.routeFunctions = new RouteFunctions(this, 'RouteFunctions', {
      config,
      routes: routes.filter((route) => routeHost(route) === props.role),
      api: props.api,
      bind: routeBinder(bind, stateful),
      rollbackAlarms: props.rollbackAlarms,
    });

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
    });
    // The alerts route lists the stage's alarms: their names are CloudFormation's, known only at
    // deploy time, and all start with the stage prefix.
    if (props.role === 'Platform')
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'cloudwatch', `alarm:${alarmNamePrefix(config.stage)}*`)}]`,
        reason:
          "DescribeAlarms of the alerts route: the stage's alarm names are generated at deploy time; scoped to the stage's name prefix, read-only.",
      });
  }
}
