import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  type IChainable,
  type INextable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface DeploymentSagaProps {
  /** The state machine's physical name. */
  readonly stateMachineName: string;
  /** One function per task (`functions/deployments/handlers/saga-*.ts`). */
  readonly tasks: {
    readonly validate: IFunction;
    readonly lock: IFunction;
    readonly render: IFunction;
    /** Invoked with a task token; the step's result comes by SendTaskSuccess. */
    readonly deploy: IFunction;
    readonly healthCheck: IFunction;
    readonly commit: IFunction;
    readonly undoDeploy: IFunction;
    readonly releaseLock: IFunction;
    readonly finish: IFunction;
  };
  /** How long the deploy step waits for its result (the agent's callback): `callbackTimeoutSeconds`. */
  readonly callbackTimeout: Duration;
  /** Heartbeat the deploy step expects while it waits. @default none */
  readonly deployHeartbeat?: Duration;
  /** Retries of a task that throws (after the first try), with backoff and full jitter. @default 3 */
  readonly taskRetries?: number;
  /** The longest pause between two tries of a task. @default 20 seconds */
  readonly maxRetryDelay?: Duration;
  /** The whole execution's limit. @default callbackTimeout + 30 minutes */
  readonly executionTimeout?: Duration;
  /** Active X-Ray tracing. @default false */
  readonly tracing?: boolean;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

type Step = 'validate' | 'lock' | 'render' | 'deploy' | 'healthCheck' | 'commit';

/**
 * The deployment saga (Step Functions Standard): Validate → Lock → Render → Deploy (waits for the
 * agent's result by task token) → HealthCheck → Commit. Each step's result lands in `$.result`;
 * `ok: false`, or an error caught after the retries, enters the compensation chain where exactly
 * the completed steps' compensations run, in reverse (deploy/health check/commit → UndoDeploy →
 * ReleaseLock; render → ReleaseLock; validate/lock → none), then Finish marks the deployment
 * failed, rolled back or cancelled and the execution fails. A compensation that still fails after
 * its retries does not stop the chain: the lock is always released and Finish always runs. The
 * machine branches on what tasks return and retries on `States.ALL` / `States.TaskFailed` only,
 * never on an error name (the emulator renames them all `Runtime.HandlerError`).
 */
export class DeploymentSaga extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: DeploymentSagaProps) {
    super(scope, id);
    const { tasks } = props;
    const retries = props.taskRetries ?? 3;
    if (!Number.isInteger(retries) || retries < 0 || retries > 10)
      throw new Error(`DeploymentSaga taskRetries must be a whole number from 0 to 10, got ${retries}`);
    const executionTimeout = props.executionTimeout ?? props.callbackTimeout.plus(Duration.minutes(30));
    if (executionTimeout.toSeconds() <= props.callbackTimeout.toSeconds())
      throw new Error('DeploymentSaga executionTimeout must be longer than callbackTimeout');
    const retry = {
      interval: Duration.seconds(1),
      maxAttempts: retries,
      backoffRate: 2,
      maxDelay: props.maxRetryDelay ?? Duration.seconds(20),
      jitterStrategy: JitterType.FULL,
    };
    const ids = { 'deploymentId.$': '$.deploymentId', 'correlationId.$': '$.correlationId' };
    const invoke = (
      name: string,
      fn: IFunction,
      payload: Record<string, unknown>,
      resultPath: string | null,
    ) => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath: resultPath === null ? JsonPath.DISCARD : resultPath,
        retryOnServiceExceptions: false,
      });
      task.addRetry({ errors: ['States.ALL'], ...retry });
      return task;
    };

    // The end of every failure: Finish, then the execution fails (the deployment's own status says how).
    const failedEnd = new Fail(this, 'DeploymentNotCompleted', {
      error: 'DeploymentNotCompleted',
      cause: "the deployment failed, was rolled back or was cancelled: see the deployment's status",
    });
    const finish = invoke('Finish', tasks.finish, { ...ids, 'failure.$': '$.result' }, JsonPath.DISCARD);
    finish.addCatch(failedEnd, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    finish.next(failedEnd);
    const releaseLock = invoke('ReleaseLock', tasks.releaseLock, ids, null);
    releaseLock.addCatch(finish, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    releaseLock.next(finish);
    const undoDeploy = invoke('UndoDeploy', tasks.undoDeploy, ids, null);
    undoDeploy.addCatch(releaseLock, { errors: ['States.ALL'], resultPath: JsonPath.DISCARD });
    undoDeploy.next(releaseLock);
    const compensationsOf: Record<Step, IChainable> = {
      validate: finish,
      lock: finish,
      render: releaseLock,
      deploy: undoDeploy,
      healthCheck: undoDeploy,
      commit: undoDeploy,
    };

    /** `ok: true` goes on to `next`; `ok: false`, or an error caught after the retries, compensates. */
    const guard = <T extends LambdaInvoke>(step: Step, name: string, task: T, next: IChainable): T => {
      const errored = new Pass(this, `${name}Errored`, {
        parameters: {
          ok: false,
          step,
          'error.$': '$.result.Error',
          'cause.$': '$.result.Cause',
        },
        resultPath: '$.result',
      }).next(compensationsOf[step]);
      task.addCatch(errored, { errors: ['States.ALL'], resultPath: '$.result' });
      (task as INextable).next(
        new Choice(this, `${name}Ok?`)
          .when(Condition.booleanEquals('$.result.ok', true), next)
          .otherwise(compensationsOf[step]),
      );
      return task;
    };

    const commit = guard(
      'commit',
      'Commit',
      invoke('Commit', tasks.commit, ids, '$.result'),
      new Succeed(this, 'Deployed'),
    );
    const healthCheck = guard(
      'healthCheck',
      'HealthCheck',
      invoke('HealthCheck', tasks.healthCheck, ids, '$.result'),
      commit,
    );
    const deployTask = new LambdaInvoke(this, 'Deploy', {
      lambdaFunction: tasks.deploy,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ ...ids, taskToken: JsonPath.taskToken }),
      resultPath: '$.result',
      taskTimeout: Timeout.duration(props.callbackTimeout),
      ...(props.deployHeartbeat === undefined
        ? {}
        : { heartbeatTimeout: Timeout.duration(props.deployHeartbeat) }),
      retryOnServiceExceptions: false,
    });
    // Only the Lambda failing: not the wait timing out (States.TaskFailed excludes States.Timeout),
    // and never the agent's failed result, which arrives as `ok: false`.
    deployTask.addRetry({ errors: ['States.TaskFailed'], ...retry });
    const deploy = guard('deploy', 'Deploy', deployTask, healthCheck);
    const render = guard('render', 'Render', invoke('Render', tasks.render, ids, '$.result'), deploy);
    const lock = guard('lock', 'Lock', invoke('Lock', tasks.lock, ids, '$.result'), render);
    const validate = guard('validate', 'Validate', invoke('Validate', tasks.validate, ids, '$.result'), lock);

    // The input is `{ deploymentId, correlationId }`; anything else is dropped here.
    const start = new Pass(this, 'Start', { parameters: ids }).next(validate);

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(start),
      timeout: executionTimeout,
      tracingEnabled: props.tracing ?? false,
      logs: {
        destination: new LogGroup(this, 'Logs', {
          retention: props.logRetentionDays,
          removalPolicy: props.removalPolicy,
        }),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
  }
}
