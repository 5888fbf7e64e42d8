/**
 * Warm per-request cost in-process: the shared pipeline (`httpHandler`) around a trivial route on a
 * realistic API Gateway GET event, against a bare async handler; and the real handlers that do no
 * I/O, whose warm duration feeds the cost model. Must run after `applyEnv(benchEnv(...))`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { bundleProfile } from '#shared/config/bundle.ts';
import { authorizerContext, lambdaContext, restEvent } from '../support/apigw.ts';
import { bundleEntry } from './layers/bundle.ts';
import {
  BENCH_SOURCE_IP,
  benchRoute,
  type Percentiles,
  percentiles,
  RUN_ID,
  silenceStdout,
  timeEach,
} from './support.ts';

export const PIPELINE_TARGET_P99_US = 20;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface WarmResult {
  readonly iterations: number;
  /** Microseconds per invocation. */
  readonly us: Percentiles;
  readonly status: number;
}

export interface PipelineResult {
  readonly warmup: number;
  /** A bare async handler in a process that has not loaded the pipeline yet. */
  readonly bare: WarmResult;
  /** The same bare handler once the pipeline is loaded: the X-Ray SDK's async hooks are on. */
  readonly bareSameProcess: WarmResult;
  readonly pipeline: WarmResult;
  /** pipeline − bare, per percentile (µs). */
  readonly overheadUs: { readonly p50: number; readonly p99: number };
  readonly emfLinesPerRequest: number;
  readonly emfBytesPerRequest: number;
  readonly meetsTarget: boolean;
  /** Real handlers without I/O, invoked warm in-process (µs). */
  readonly handlers: Readonly<Record<string, WarmResult>>;
}

/** The real handlers the cost model can time in-process: no AWS or Redis call on their path. */
const NO_IO_HANDLERS: Readonly<Record<string, { module: string; event: APIGatewayProxyEvent }>> = {
  'platform.healthLive': {
    module: '#functions/platform/handlers/health-live.ts',
    event: restEvent({ path: '/health' }),
  },
  'platform.version': {
    module: '#functions/platform/handlers/version.ts',
    event: restEvent({ path: '/version' }),
  },
  'platform.openapi': {
    module: '#functions/platform/handlers/openapi.ts',
    event: restEvent({ path: '/openapi.json' }),
  },
  'platform.fallback': {
    module: '#functions/platform/handlers/fallback.ts',
    event: restEvent({ path: '/nope', resource: '/{proxy+}' }),
  },
};

/** A GET as API Gateway delivers it after the authorizer let it through. */
export function benchEvent(path = '/v1/bench/profile'): APIGatewayProxyEvent {
  const event = restEvent({
    path,
    headers: { Authorization: 'Bearer <verified by the authorizer>', 'X-Correlation-Id': `bench-${RUN_ID}` },
    authorizer: authorizerContext({
      id: `bench-${RUN_ID}`,
      permissions: ['profile:read', 'keys:own'],
      roles: ['member'],
    }),
  });
  if (event.requestContext.identity) event.requestContext.identity.sourceIp = BENCH_SOURCE_IP;
  return event;
}

/**
 * The pipeline around the bench route, bundled as FeatureFunction bundles that row's function
 * (`bundleEntry` with its profile: the build-time plugins and constant-folded stages included) and
 * imported from the bundle, so that what is timed is what ships.
 */
async function bundledPipeline(): Promise<Handler> {
  const dir = await mkdtemp(join(tmpdir(), 'nimbus-bench-pipeline-'));
  const { outfile } = await bundleEntry(
    'test/bench/pipeline-entry.ts',
    join(dir, 'index.mjs'),
    {},
    bundleProfile(benchRoute, process.env.POWERTOOLS_TRACE_ENABLED === 'true'),
  );
  try {
    const { handler } = (await import(pathToFileURL(outfile).href)) as { handler: Handler };
    return handler;
  } finally {
    // Loaded: the module lives on in this process, its files are no longer needed.
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pool of Lambda contexts, reused round-robin: building them is the runtime's cost, not ours. */
function contextPool(size = 256): (i: number) => Context {
  const pool = Array.from({ length: size }, () => lambdaContext());
  return (i) => pool[i % size] as Context;
}

interface WarmRun {
  readonly samples: Float64Array;
  readonly status: number;
  /** stdout writes (EMF lines) during the warm-up, the check call and the measured calls. */
  readonly writes: number;
  readonly bytes: number;
  readonly calls: number;
}

async function runWarm(
  handler: Handler,
  event: APIGatewayProxyEvent,
  warmup: number,
  iterations: number,
): Promise<WarmRun> {
  const context = contextPool();
  let status = 0;
  const { result, writes, bytes } = await silenceStdout(async () => {
    for (let i = 0; i < warmup; i++) await handler(event, context(i));
    status = (await handler(event, context(0))).statusCode;
    return timeEach(iterations, (i) => handler(event, context(i)));
  });
  return { samples: result, status, writes, bytes, calls: warmup + 1 + iterations };
}

/** Invokes `handler` warm `iterations` times after `warmup` calls; microseconds per call. */
export async function measureWarm(
  handler: Handler,
  event: APIGatewayProxyEvent,
  warmup: number,
  iterations: number,
): Promise<WarmResult> {
  const run = await runWarm(handler, event, warmup, iterations);
  return { iterations, us: percentiles(run.samples), status: run.status };
}

export async function pipelineOverhead(options: {
  readonly warmup: number;
  readonly iterations: number;
  readonly handlerIterations: number;
}): Promise<PipelineResult> {
  const bare: Handler = async (event) => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id: event.requestContext.authorizer?.principalId ?? null, roles: ['member'] }),
  });
  const event = benchEvent();
  // The bare baseline first, before anything of the pipeline is loaded: importing the Tracer loads
  // the X-Ray SDK, whose async hooks (cls-hooked) then tax every promise of the process.
  const clean = await runWarm(bare, event, options.warmup, options.iterations);

  const pipelined = await bundledPipeline();

  // Alternating rounds, so that neither side gets all of the machine's quiet or busy moments.
  const rounds = 4;
  const per = Math.ceil(options.iterations / rounds);
  const bareSamples: number[] = [];
  const pipelineSamples: number[] = [];
  let emfLines = 0;
  let emfBytes = 0;
  let pipelineCalls = 0;
  let bareStatus = 0;
  let pipelineStatus = 0;
  for (let round = 0; round < rounds; round++) {
    const warmup = round === 0 ? options.warmup : 1000;
    const b = await runWarm(bare, event, warmup, per);
    const p = await runWarm(pipelined, event, warmup, per);
    bareSamples.push(...b.samples);
    pipelineSamples.push(...p.samples);
    emfLines += p.writes;
    emfBytes += p.bytes;
    pipelineCalls += p.calls;
    bareStatus = b.status;
    pipelineStatus = p.status;
  }
  const bareResult = {
    iterations: clean.samples.length,
    us: percentiles(clean.samples),
    status: clean.status,
  };
  const bareSameProcess = {
    iterations: bareSamples.length,
    us: percentiles(bareSamples),
    status: bareStatus,
  };
  const pipelineResult = {
    iterations: pipelineSamples.length,
    us: percentiles(pipelineSamples),
    status: pipelineStatus,
  };

  const handlers: Record<string, WarmResult> = {};
  for (const [id, { module, event: handlerEvent }] of Object.entries(NO_IO_HANDLERS)) {
    const { handler } = (await import(module)) as { handler: Handler };
    handlers[id] = await measureWarm(handler, handlerEvent, options.warmup, options.handlerIterations);
  }

  const round3 = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    warmup: options.warmup,
    bare: bareResult,
    bareSameProcess,
    pipeline: pipelineResult,
    overheadUs: {
      p50: round3(pipelineResult.us.p50 - bareResult.us.p50),
      p99: round3(pipelineResult.us.p99 - bareResult.us.p99),
    },
    emfLinesPerRequest: Math.round((emfLines / pipelineCalls) * 100) / 100,
    emfBytesPerRequest: Math.round(emfBytes / pipelineCalls),
    meetsTarget: pipelineResult.us.p99 <= PIPELINE_TARGET_P99_US,
    handlers,
  };
}
