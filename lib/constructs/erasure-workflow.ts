import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface ErasureWorkflowProps {
  /** The state machine's physical name (found by it from the API stack). */
  readonly stateMachineName: string;
  /** One function per task (`functions/gdpr/handlers/erasure-*.ts`). */
  readonly tasks: {
    readonly begin: IFunction;
    readonly store: IFunction;
    readonly verify: IFunction;
    readonly finish: IFunction;
    readonly fail: IFunction;
  };
  /** Tries of one store's erasure (first try included) before it is marked failed. @default 4 */
  readonly storeAttempts?: number;
  /** Active X-Ray tracing. @default false */
  readonly tracing?: boolean;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The GDPR erasure (Step Functions Standard): grace period → begin (the point of no return; a
 * cancelled or finished request ends here) → Map over the data map's stores, each erased with
 * retries (exponential backoff, full jitter, a maximum delay) → verify every store → receipt.
 * A store that still fails after its retries, or data found by the verification, marks the request
 * failed, reports it to the failure queue (alarmed) and fails the execution; running it again is
 * safe (every task is idempotent). The machine branches on what the tasks return and retries on
 * `States.ALL`, never on an error name (the emulator renames them all `Runtime.HandlerError`).
 */
export class ErasureWorkflow extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: ErasureWorkflowProps) {
    super(scope, id);
    const { tasks } = props;
    const invoke = (
      name: string,
      fn: IFunction,
      payload: Record<string, unknown>,
      resultPath: string | null,
    ) =>
      new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath: resultPath === null ? JsonPath.DISCARD : resultPath,
        retryOnServiceExceptions: false,
      });
    const ids = { 'erasureId.$': '$.erasureId', 'correlationId.$': '$.correlationId' };

    const grace = new Wait(this, 'GracePeriod', { time: WaitTime.secondsPath('$.graceSeconds') });
    const begin = invoke('Begin', tasks.begin, ids, '$.begin');
    begin.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });

    const eraseStore = invoke(
      'EraseStore',
      tasks.store,
      { 'erasureId.$': '$.erasureId', 'store.$': '$.store', 'correlationId.$': '$.correlationId' },
      null,
    );
    eraseStore.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(1),
      maxAttempts: (props.storeAttempts ?? 4) - 1,
      backoffRate: 2,
      maxDelay: Duration.seconds(30),
      jitterStrategy: JitterType.FULL,
    });
    const storeFailed = invoke(
      'StoreFailed',
      tasks.fail,
      { 'erasureId.$': '$.erasureId', 'store.$': '$.store', 'correlationId.$': '$.correlationId' },
      null,
    ).next(
      new Fail(this, 'StoreErasureFailed', {
        error: 'StoreErasureFailed',
        cause: 'a store failed after its retries',
      }),
    );
    eraseStore.addCatch(storeFailed, { errors: ['States.ALL'], resultPath: '$.error' });

    const eraseAll = new MapState(this, 'EraseStores', {
      itemsPath: '$.begin.stores',
      itemSelector: {
        'erasureId.$': '$$.Map.Item.Value.erasureId',
        'store.$': '$$.Map.Item.Value.store',
        'correlationId.$': '$.correlationId',
      },
      // One store at a time, in the data map's order: the personal keys go last, after every store
      // has reported what it held (erasures are rare; a clear receipt beats speed).
      maxConcurrency: 1,
      resultPath: JsonPath.DISCARD,
    });
    eraseAll.itemProcessor(eraseStore);

    const verify = invoke('Verify', tasks.verify, ids, '$.verification');
    verify.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
    });
    const finish = invoke(
      'Receipt',
      tasks.finish,
      { ...ids, 'remaining.$': '$.verification.remaining' },
      '$.receipt',
    );
    finish.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      maxAttempts: 3,
      backoffRate: 2,
    });
    const verifyFailed = invoke(
      'VerificationFailed',
      tasks.fail,
      {
        'erasureId.$': '$.erasureId',
        'store.$': '$.verification.firstDirty',
        'correlationId.$': '$.correlationId',
      },
      null,
    ).next(
      new Fail(this, 'DataRemains', {
        error: 'DataRemains',
        cause: 'the verification found personal data left',
      }),
    );

    const definition = grace
      .next(begin)
      .next(
        new Choice(this, 'Proceed?')
          .when(
            Condition.booleanEquals('$.begin.proceed', true),
            eraseAll
              .next(verify)
              .next(
                new Choice(this, 'Clean?')
                  .when(
                    Condition.booleanEquals('$.verification.clean', true),
                    finish.next(new Succeed(this, 'Erased')),
                  )
                  .otherwise(verifyFailed),
              ),
          )
          .otherwise(new Succeed(this, 'NothingToDo')),
      );

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      // A week covers the longest grace period the config allows plus the work.
      timeout: Duration.days(8),
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
