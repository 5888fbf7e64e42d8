import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IAlarm, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { sagaTimeLimitSeconds } from '../../functions/deployments/config.ts';
import { routes } from '../../functions/routes.ts';
import type { ResourceNeed } from '../../functions/shared/http/route.ts';
import { acknowledgeWorkflow, nagArn } from '../config/nag.ts';
import { deploymentCredentialsPrefix, deploymentResourceNames } from '../config/names.ts';
import { routeHost } from '../config/route-hosting.ts';
import type { StageConfig } from '../config/stages.ts';
import { DeploymentSaga } from '../constructs/deployment-saga.ts';
import { FeatureFunction } from '../constructs/feature-function.ts';
import { publicApiUrl } from '../constructs/route-api.ts';
import { RouteFunctions } from '../constructs/route-functions.ts';
import { needBinder, routeBinder } from './bindings.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface DeploymentsStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
  /** The REST API whose methods invoke this stack's route functions (API stack). */
  readonly api: IRestApi;
  /** The stage's alarm topic (API stack). */
  readonly alertTopic: ITopic;
  /** Stage-wide alarms that also roll back a gradual release of its route functions. @default none */
  readonly rollbackAlarms?: readonly IAlarm[];
}

/** What the saga's tasks touch: the deployment records, the circuits in Redis, the agents' keys, the event queue, the task tokens. */
const SAGA_NEEDS: readonly ResourceNeed[] = [
  'app:readWrite',
  'redis',
  'deployments',
  'deployments:events',
  'deployments:credentials',
  'deployments:saga',
];

/**
 * Deployment orchestration (docs/decisions/0014-deployment-sagas.md): the functions of the
 * `deployments.*` routes (the API stack has their methods and finds them by name), the saga's
 * state machine and tasks, the event queue with its notifier and dead-letter queue, and alarms.
 */
export class DeploymentsStack extends Stack {
  public readonly routeFunctions: RouteFunctions;
  public readonly saga: DeploymentSaga;
  /** The saga's task functions. */
  public readonly taskFunctions: readonly FeatureFunction[];
  public readonly eventQueue: Queue;
  public readonly eventDeadLetters: Queue;
  public readonly notifier: FeatureFunction;

  constructor(scope: Construct, id: string, props: DeploymentsStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const names = deploymentResourceNames(config.stage);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Agents call back through the API's public URL (the local stage names the emulator's).
    const apiUrl = publicApiUrl(config, props.api);
    const bind = needBinder(config, stateful, {
      alertTopic: props.alertTopic,
      signingKeyRotation: () => {
        throw new Error('deployment functions do not touch the signing keys');
      },
      deploymentCallbackBaseUrl: apiUrl,
    });

    this.routeFunctions = new RouteFunctions(this, 'RouteFunctions', {
      config,
      routes: routes.filter((route) => routeHost(route) === 'Deployments'),
      api: props.api,
      bind: routeBinder(bind, stateful),
      ...(props.rollbackAlarms === undefined ? {} : { rollbackAlarms: props.rollbackAlarms }),
    });

    const queueDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    } as const;
    this.eventDeadLetters = new Queue(this, 'EventDeadLetters', {
      ...queueDefaults,
      queueName: names.eventDeadLetters,
      retentionPeriod: Duration.days(14),
    });
    const notifierTimeoutSeconds = 30;
    this.eventQueue = new Queue(this, 'EventQueue', {
      ...queueDefaults,
      queueName: names.eventQueue,
      visibilityTimeout: Duration.seconds(notifierTimeoutSeconds * 6),
      // An event whose notification failed 5 times rests in the DLQ (alarmed below).
      deadLetterQueue: { queue: this.eventDeadLetters, maxReceiveCount: 5 },
    });
    this.notifier = new FeatureFunction(this, 'Notifier', {
      entry: 'functions/deployments/handlers/notifier.ts',
      feature: 'deployments',
      config,
      description: 'SQS: sends deployment events to the organisation webhook, HMAC-signed',
      timeout: Duration.seconds(notifierTimeoutSeconds),
    });
    bind(this.notifier, ['app:read', 'deployments', 'deployments:credentials']);
    this.notifier.addEventSource(
      new SqsEventSource(this.eventQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const tasks: FeatureFunction[] = [];
    const task = (taskId: string, file: string, description: string) => {
      const fn = new FeatureFunction(this, taskId, {
        entry: `functions/deployments/handlers/${file}.ts`,
        feature: 'deployments',
        config,
        description: `Deployment saga: ${description}`,
        // An agent call is bounded by agentTimeoutMs; the rest are a few table and Redis calls.
        timeout: Duration.seconds(30),
      });
      bind(fn, SAGA_NEEDS);
      tasks.push(fn);
      return fn;
    };
    this.taskFunctions = tasks;
    this.saga = new DeploymentSaga(this, 'Saga', {
      stateMachineName: names.stateMachine,
      tasks: {
        validate: task('SagaValidate', 'saga-validate', 'validate the target, its circuit and the caller'),
        lock: task('SagaLock', 'saga-lock', 'hold the stack + environment lock'),
        render: task('SagaRender', 'saga-render', 'render the stack version configuration'),
        deploy: task('SagaDeploy', 'saga-deploy', "deploy through the target's driver (task token)"),
        healthCheck: task('SagaHealthCheck', 'saga-health-check', "the target's health check"),
        commit: task('SagaCommit', 'saga-commit', 'record the version, release the lock, succeed'),
        undoDeploy: task('SagaUndoDeploy', 'saga-undo-deploy', 'compensation: undo on the target'),
        releaseLock: task('SagaReleaseLock', 'saga-release-lock', 'compensation: release the lock'),
        finish: task('SagaFinish', 'saga-finish', 'mark failed, rolled back or cancelled'),
      },
      callbackTimeout: Duration.seconds(config.deployments.callbackTimeoutSeconds),
      // The deployment's lock lapses after the same limit (functions/deployments/config.ts).
      executionTimeout: Duration.seconds(sagaTimeLimitSeconds(config.deployments)),
      tracing: config.features.xray,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
    });

    this.alarms(config, props.alertTopic);
    this.acknowledge(config);
  }

  private alarms(config: StageConfig, topic: ITopic): void {
    const action = new SnsAction(topic);
    const anyAtAll = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    } as const;
    const alarm = (alarmId: string, description: string, options: ConstructorParameters<typeof Alarm>[2]) =>
      new Alarm(this, alarmId, { ...options, alarmDescription: description }).addAlarmAction(action);
    alarm('EventDlqNotEmpty', 'Deployment events whose notification failed 5 times wait in the DLQ', {
      ...anyAtAll,
      metric: this.eventDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
    });
    // Every deployment that does not complete ends its execution FAILED (after compensating), so
    // failed executions are the deployment failure rate below; a timed-out execution is the
    // machine itself stuck past its limit.
    alarm('SagaExecutionsTimedOut', 'A deployment saga execution ran past its time limit', {
      ...anyAtAll,
      metric: this.saga.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
    });
    // Deployments that ended failed or rolled back (the finish task counts them by outcome).
    alarm(
      'DeploymentFailures',
      'Deployments keep failing: 3 or more failed or rolled back within 15 minutes',
      {
        threshold: 3,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        metric: new Metric({
          namespace: 'Nimbus',
          metricName: 'DeploymentsFailed',
          dimensionsMap: { stage: config.stage, service: 'nimbus-deployments' },
          period: Duration.minutes(15),
          statistic: 'Sum',
        }),
      },
    );
  }

  /** cdk-nag findings that are the design, each with the reason it holds today. */
  private acknowledge(config: StageConfig): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole is the narrow AWS-managed policy for writing function logs.',
    });
    // Target and notification keys: any secret under the stage's prefix, named by a target at run time.
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'secretsmanager', `secret:${deploymentCredentialsPrefix(config.stage)}*`)}]`,
      reason:
        "GetSecretValue of an agent's or a notification endpoint's HMAC key: each target names its own secret at run time; scoped to the stage's deployments/ prefix, which the catalog enforces on every reference.",
    });
    acknowledgeWorkflow(this.saga.stateMachine, this.taskFunctions, {
      stage: config.stage,
      xray: config.features.xray,
    });
  }
}
