import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { DeploymentSaga } from '../../../lib/constructs/deployment-saga.ts';

// The REAL definition the stack deploys, synthesized from the construct and run in-process by
// aws-local-stepfunctions, each task replaced by a local handler (by state name) that records its
// calls. aws-local-stepfunctions has no callback pattern: it runs the `.waitForTaskToken` Deploy
// task like any task, so its local handler's answer stands for what SendTaskSuccess would deliver
// (the step's `{ ok }` result), a throw for a failed Lambda invoke, and a handler that never
// answers lets the state's TimeoutSeconds (the callback timeout) fire. Retry pauses are zero.

const FAKE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:deploy-task';
const FORWARD = ['Validate', 'Lock', 'Render', 'Deploy', 'HealthCheck', 'Commit'] as const;
const STEP_OF: Record<Forward, string> = {
  Validate: 'validate',
  Lock: 'lock',
  Render: 'render',
  Deploy: 'deploy',
  HealthCheck: 'healthCheck',
  Commit: 'commit',
};
const TASKS = [...FORWARD, 'UndoDeploy', 'ReleaseLock', 'Finish'] as const;
type Forward = (typeof FORWARD)[number];
type Task = (typeof TASKS)[number];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function synthesizedDefinition(callbackTimeout: Duration): StateMachineDefinition {
  const stack = new Stack(new App(), 'DeploymentSagaTest');
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
  const saga = new DeploymentSaga(stack, 'Saga', {
    stateMachineName: 'deployment-saga-test',
    tasks: {
      validate: fn('ValidateFn'),
      lock: fn('LockFn'),
      render: fn('RenderFn'),
      deploy: fn('DeployFn'),
      healthCheck: fn('HealthCheckFn'),
      commit: fn('CommitFn'),
      undoDeploy: fn('UndoDeployFn'),
      releaseLock: fn('ReleaseLockFn'),
      finish: fn('FinishFn'),
    },
    callbackTimeout,
    logRetentionDays: 7,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const cfn = saga.stateMachine.node.defaultChild;
  assert.ok(cfn instanceof CfnStateMachine);
  const resolved: unknown = stack.resolve(cfn.definitionString);
  const parts =
    typeof resolved === 'string'
      ? [resolved]
      : (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  // The functions' ARNs become the fake one; the partition in the service integration's ARN, `aws`.
  const json = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      return (part as { Ref?: string }).Ref === 'AWS::Partition' ? 'aws' : FAKE_ARN;
    })
    .join('');
  return JSON.parse(json) as StateMachineDefinition;
}

const definition = synthesizedDefinition(Duration.minutes(15));
const INPUT = { deploymentId: 'dep-1', correlationId: 'corr-1', extra: 'dropped' };
const IDS = { deploymentId: 'dep-1', correlationId: 'corr-1' };

type Behaviour = 'ok' | 'not-ok' | 'throw' | 'hang';
interface Call {
  readonly task: Task;
  readonly input: Json;
}

async function execute(
  behaviours: Partial<Record<Task, Behaviour>> = {},
  machineDefinition: StateMachineDefinition = definition,
) {
  const calls: Call[] = [];
  const handler =
    (task: Task) =>
    async (input: Json): Promise<Json> => {
      calls.push({ task, input });
      const behaviour = behaviours[task] ?? 'ok';
      if (behaviour === 'throw') throw new Error(`${task} broke`);
      if (behaviour === 'hang') return new Promise<Json>(() => {});
      if (task === 'Finish') return { ok: true, status: 'rolled_back' };
      const step = STEP_OF[task as Forward] ?? task;
      return behaviour === 'ok' ? { ok: true } : { ok: false, step, reason: `${step} said no` };
    };
  const machine = new StateMachine(machineDefinition, { validationOptions: { checkArn: false } });
  const execution = machine.run(INPUT, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(TASKS.map((t) => [t, handler(t)])),
      retryIntervalOverrides: Object.fromEntries(TASKS.map((t) => [t, 0])),
    },
    context: { Task: { Token: 'task-token-1' } },
  });
  let output: Json | undefined;
  let error: Error | undefined;
  try {
    output = (await execution.result) as Json;
  } catch (caught) {
    assert.ok(caught instanceof ExecutionError, `unexpected ${String(caught)}`);
    assert.ok(caught.cause instanceof Error);
    error = caught.cause;
  }
  const sequence = calls.map((c) => c.task);
  const finishInput = calls.find((c) => c.task === 'Finish')?.input;
  return { calls, sequence, output, error, finishInput };
}

const COMPENSATIONS: Record<Forward, Task[]> = {
  Validate: [],
  Lock: [],
  Render: ['ReleaseLock'],
  Deploy: ['UndoDeploy', 'ReleaseLock'],
  HealthCheck: ['UndoDeploy', 'ReleaseLock'],
  Commit: ['UndoDeploy', 'ReleaseLock'],
};

describe('deployment saga (synthesized definition, run locally)', () => {
  it('runs every step once, in order, and succeeds without compensating', async () => {
    const run = await execute();

    assert.equal(run.error, undefined);
    assert.deepEqual(run.sequence, [...FORWARD]);
    for (const call of run.calls.filter((c) => c.task !== 'Deploy')) assert.deepEqual(call.input, IDS);
  });

  it('hands the deploy step the task token it must be resolved with', async () => {
    const run = await execute();

    const deploy = run.calls.find((c) => c.task === 'Deploy');
    assert.deepEqual(deploy?.input, {
      FunctionName: FAKE_ARN,
      Payload: { ...IDS, taskToken: 'task-token-1' },
    });
  });

  for (const [index, failing] of FORWARD.entries()) {
    it(`a ${failing} that answers ok:false runs exactly ${COMPENSATIONS[failing].join(' → ') || 'no compensation'}, then Finish`, async () => {
      const run = await execute({ [failing]: 'not-ok' });

      assert.deepEqual(run.sequence, [...FORWARD.slice(0, index + 1), ...COMPENSATIONS[failing], 'Finish']);
      assert.deepEqual(run.finishInput, {
        ...IDS,
        failure: { ok: false, step: STEP_OF[failing], reason: `${STEP_OF[failing]} said no` },
      });
      assert.equal(run.error?.name, 'DeploymentNotCompleted');
    });

    it(`a ${failing} that keeps throwing is retried 3 times, then compensated the same way`, async () => {
      const run = await execute({ [failing]: 'throw' });

      assert.deepEqual(run.sequence, [
        ...FORWARD.slice(0, index),
        failing,
        failing,
        failing,
        failing,
        ...COMPENSATIONS[failing],
        'Finish',
      ]);
      const failure = (run.finishInput as { failure: Record<string, Json> }).failure;
      assert.equal(failure.ok, false);
      assert.equal(failure.step, STEP_OF[failing]);
      assert.equal(typeof failure.error, 'string');
      assert.equal(typeof failure.cause, 'string');
      assert.equal(run.error?.name, 'DeploymentNotCompleted');
    });
  }

  it('still releases the lock and finishes when the undo keeps failing', async () => {
    const run = await execute({ HealthCheck: 'not-ok', UndoDeploy: 'throw' });

    assert.deepEqual(run.sequence, [
      ...FORWARD.slice(0, 5),
      'UndoDeploy',
      'UndoDeploy',
      'UndoDeploy',
      'UndoDeploy',
      'ReleaseLock',
      'Finish',
    ]);
    assert.equal(run.error?.name, 'DeploymentNotCompleted');
  });

  it('goes on to Finish when an undo answers ok:false', async () => {
    const run = await execute({ Commit: 'not-ok', UndoDeploy: 'not-ok' });

    assert.deepEqual(run.sequence, [...FORWARD, 'UndoDeploy', 'ReleaseLock', 'Finish']);
  });

  it('fails the deploy step when no result comes within the callback timeout, without retrying it', async () => {
    const short = synthesizedDefinition(Duration.seconds(1));

    const run = await execute({ Deploy: 'hang' }, short);

    assert.deepEqual(run.sequence, [...FORWARD.slice(0, 4), 'UndoDeploy', 'ReleaseLock', 'Finish']);
    const failure = (run.finishInput as { failure: Record<string, Json> }).failure;
    assert.equal(failure.step, 'deploy');
    assert.equal(failure.error, 'States.Timeout');
  });

  it('retries every task with exponential backoff, full jitter and a maximum delay; Deploy never on a timeout', () => {
    const states = definition.States as Record<
      string,
      { Retry?: unknown; TimeoutSeconds?: number; Resource?: string }
    >;
    const backoff = {
      IntervalSeconds: 1,
      MaxAttempts: 3,
      BackoffRate: 2,
      MaxDelaySeconds: 20,
      JitterStrategy: 'FULL',
    };
    for (const task of TASKS.filter((t) => t !== 'Deploy'))
      assert.deepEqual(states[task]?.Retry, [{ ErrorEquals: ['States.ALL'], ...backoff }], task);
    assert.deepEqual(states.Deploy?.Retry, [{ ErrorEquals: ['States.TaskFailed'], ...backoff }]);
    assert.equal(states.Deploy?.Resource, 'arn:aws:states:::lambda:invoke.waitForTaskToken');
    assert.equal(states.Deploy?.TimeoutSeconds, 900);
    assert.equal(definition.TimeoutSeconds, 900 + 1800);
  });

  it('refuses an execution timeout no longer than the callback timeout', () => {
    const stack = new Stack(new App(), 'DeploymentSagaProps');
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
    assert.throws(
      () =>
        new DeploymentSaga(stack, 'Saga', {
          stateMachineName: 'x',
          tasks: {
            validate: fn,
            lock: fn,
            render: fn,
            deploy: fn,
            healthCheck: fn,
            commit: fn,
            undoDeploy: fn,
            releaseLock: fn,
            finish: fn,
          },
          callbackTimeout: Duration.minutes(10),
          executionTimeout: Duration.minutes(10),
          logRetentionDays: 7,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      /executionTimeout must be longer than callbackTimeout/,
    );
  });
});
