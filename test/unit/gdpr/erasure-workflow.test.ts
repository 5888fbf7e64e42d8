import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ERASED_STORES } from '../../../functions/gdpr/domain/data-map.ts';
import { ErasureWorkflow } from '../../../lib/constructs/erasure-workflow.ts';

// The REAL definition the GDPR stack deploys, synthesized from the construct and run in-process by
// aws-local-stepfunctions, its five Lambda tasks replaced by local handlers that record their calls.
// Waits and retry pauses are overridden to zero; everything else (the Choice branches, the Map, the
// retriers' attempt counts, the catch, the Fail states) is the synthesized ASL.

const FAKE_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:erasure-task';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function synthesizedDefinition(): StateMachineDefinition {
  const stack = new Stack(new App(), 'ErasureWorkflowTest');
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
  const workflow = new ErasureWorkflow(stack, 'Erasure', {
    stateMachineName: 'erasure-test',
    tasks: {
      begin: fn('BeginFn'),
      store: fn('StoreFn'),
      verify: fn('VerifyFn'),
      finish: fn('FinishFn'),
      fail: fn('FailFn'),
    },
    logRetentionDays: 7,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const cfn = workflow.stateMachine.node.defaultChild;
  assert.ok(cfn instanceof CfnStateMachine);
  const resolved: unknown = stack.resolve(cfn.definitionString);
  // `{ "Fn::Join": ["", [parts…]] }`: the string parts are the ASL, the others the functions' ARNs.
  const parts =
    typeof resolved === 'string'
      ? [resolved]
      : (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const json = parts.map((part) => (typeof part === 'string' ? part : FAKE_ARN)).join('');
  return JSON.parse(json) as StateMachineDefinition;
}

const definition = synthesizedDefinition();

const ERASURE_ID = 'er_test_1';
const INPUT = { erasureId: ERASURE_ID, correlationId: 'corr-1', graceSeconds: 86_400 };
const CLEAN = {
  clean: true,
  remaining: Object.fromEntries(ERASED_STORES.map((s) => [s, 0])),
  firstDirty: null,
};

interface World {
  /** Throws of the store's erasure before it succeeds (Infinity: it never does). */
  readonly failures?: Readonly<Record<string, number>>;
  readonly begin?: { proceed: boolean; status: string };
  readonly verification?: { clean: boolean; remaining: Record<string, number>; firstDirty: string | null };
}

type Call = { task: string; input: Json };

async function execute(world: World = {}) {
  const calls: Call[] = [];
  const attempts = new Map<string, number>();
  const record =
    (task: string, answer: (input: Record<string, Json>) => Json) =>
    async (input: Json): Promise<Json> => {
      calls.push({ task, input });
      assert.ok(typeof input === 'object' && input !== null && !Array.isArray(input));
      return answer(input);
    };
  const begin = world.begin ?? { proceed: true, status: 'running' };
  const handlers = {
    Begin: record('Begin', (input) => ({
      ...begin,
      stores: begin.proceed
        ? ERASED_STORES.map((store) => ({ erasureId: String(input.erasureId), store }))
        : [],
    })),
    EraseStore: record('EraseStore', (input) => {
      const store = String(input.store);
      const attempt = (attempts.get(store) ?? 0) + 1;
      attempts.set(store, attempt);
      if (attempt <= (world.failures?.[store] ?? 0)) throw new Error(`store ${store} unavailable`);
      return { store, items: 1 };
    }),
    StoreFailed: record('StoreFailed', () => ({ status: 'failed' })),
    Verify: record('Verify', () => world.verification ?? CLEAN),
    Receipt: record('Receipt', () => ({ status: 'completed' })),
    VerificationFailed: record('VerificationFailed', () => ({ status: 'failed' })),
  };
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(INPUT, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { GracePeriod: 0 },
      retryIntervalOverrides: { Begin: 0, EraseStore: 0, Verify: 0, Receipt: 0 },
    },
  });
  let output: Json | undefined;
  let error: Error | undefined;
  try {
    output = (await execution.result) as Json;
  } catch (caught) {
    assert.ok(caught instanceof ExecutionError, `unexpected ${String(caught)}`);
    // The runtime error of the state that failed the execution (a Fail state's `Error` as its name).
    assert.ok(caught.cause instanceof Error);
    error = caught.cause;
  }
  const of = (task: string) => calls.filter((c) => c.task === task).map((c) => c.input);
  return { calls, of, attempts, output, error };
}

describe('erasure workflow (synthesized definition, run locally)', () => {
  it('erases every store once, verifies, writes the receipt and succeeds', async () => {
    const run = await execute();

    assert.equal(run.error, undefined);
    assert.deepEqual(run.of('Begin'), [{ erasureId: ERASURE_ID, correlationId: 'corr-1' }]);
    // Each store once (the Map runs several at a time, so in no promised order).
    assert.deepEqual(
      [...run.of('EraseStore')].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [...ERASED_STORES].sort().map((store) => ({ erasureId: ERASURE_ID, store, correlationId: 'corr-1' })),
    );
    assert.deepEqual(run.of('Verify'), [{ erasureId: ERASURE_ID, correlationId: 'corr-1' }]);
    assert.deepEqual(run.of('Receipt'), [
      { erasureId: ERASURE_ID, correlationId: 'corr-1', remaining: CLEAN.remaining },
    ]);
    assert.deepEqual(run.of('StoreFailed'), []);
    assert.deepEqual(run.of('VerificationFailed'), []);
    // The task order: begin, the stores, verify, receipt.
    assert.deepEqual(
      run.calls.map((c) => c.task),
      ['Begin', ...ERASED_STORES.map(() => 'EraseStore'), 'Verify', 'Receipt'],
    );
    assert.ok(typeof run.output === 'object' && run.output !== null && !Array.isArray(run.output));
    assert.deepEqual(run.output.receipt, { status: 'completed' });
  });

  it('retries a store that fails twice, then goes on and succeeds', async () => {
    const flaky = ERASED_STORES[0] ?? assert.fail('the data map has stores');
    const run = await execute({ failures: { [flaky]: 2 } });

    assert.equal(run.error, undefined);
    assert.equal(run.attempts.get(flaky), 3);
    for (const store of ERASED_STORES.filter((s) => s !== flaky)) assert.equal(run.attempts.get(store), 1);
    assert.deepEqual(run.of('StoreFailed'), []);
    assert.equal(run.of('Receipt').length, 1);
  });

  it('marks the erasure failed once and fails the execution when a store fails all its attempts', async () => {
    const broken = ERASED_STORES[1] ?? assert.fail('the data map has two stores');
    const run = await execute({ failures: { [broken]: Number.POSITIVE_INFINITY } });

    assert.equal(run.error?.name, 'StoreErasureFailed');
    // storeAttempts defaults to 4: the first try and three retries.
    assert.equal(run.attempts.get(broken), 4);
    assert.deepEqual(run.of('StoreFailed'), [
      { erasureId: ERASURE_ID, store: broken, correlationId: 'corr-1' },
    ]);
    assert.deepEqual(run.of('Verify'), []);
    assert.deepEqual(run.of('Receipt'), []);
  });

  it('touches no store when the request was cancelled during the grace period', async () => {
    const run = await execute({ begin: { proceed: false, status: 'cancelled' } });

    assert.equal(run.error, undefined);
    assert.deepEqual(
      run.calls.map((c) => c.task),
      ['Begin'],
    );
  });

  it('reports the first dirty store and fails the execution when the verification finds data left', async () => {
    const dirty = ERASED_STORES[0] ?? assert.fail('the data map has stores');
    const run = await execute({
      verification: { clean: false, remaining: { [dirty]: 2 }, firstDirty: dirty },
    });

    assert.equal(run.error?.name, 'DataRemains');
    assert.deepEqual(run.of('VerificationFailed'), [
      { erasureId: ERASURE_ID, store: dirty, correlationId: 'corr-1' },
    ]);
    assert.deepEqual(run.of('Receipt'), []);
    assert.deepEqual(run.of('StoreFailed'), []);
  });

  it('retries a store with exponential backoff, full jitter and a maximum delay, on any error', () => {
    const states = definition.States as Record<
      string,
      { Type: string; ItemProcessor?: { States: Record<string, { Retry?: unknown }> } }
    >;
    const map = states.EraseStores ?? assert.fail('the Map state is named EraseStores');
    assert.deepEqual(map.ItemProcessor?.States.EraseStore?.Retry, [
      {
        ErrorEquals: ['States.ALL'],
        IntervalSeconds: 1,
        MaxAttempts: 3,
        BackoffRate: 2,
        MaxDelaySeconds: 30,
        JitterStrategy: 'FULL',
      },
    ]);
  });
});
