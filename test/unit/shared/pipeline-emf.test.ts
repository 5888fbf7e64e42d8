/**
 * What the pipeline writes as metrics (EMF on stdout), metrics on: one SLI line per response with
 * its class (`ResponsesNxx`), and the function's own metrics line only when the request stored
 * some (the cold start, a metric the route added), never Powertools' "No application metrics"
 * warning.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { NotFoundError } from '#shared/errors.ts';
import { defineRoute } from '#shared/http/route.ts';
import { lambdaContext, restEvent } from '../../support/apigw.ts';

type Invoke = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const row = (id: string) =>
  defineRoute({
    id: `widgets.${id}`,
    method: 'GET',
    path: `/v1/widgets/${id}`,
    handler: `functions/widgets/handlers/${id}.ts`,
    summary: `Widgets: ${id}`,
    tags: ['widgets'],
    auth: 'public',
    permission: null,
    rateLimit: [],
    cache: null,
    responses: { 200: { description: 'Widgets' } },
  });

let observability: typeof import('#shared/observability.ts');
const handlers: Record<string, Invoke> = {};

before(async () => {
  Object.assign(process.env, {
    // As Lambda sets it: Powertools counts a cold start only on on-demand environments.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'NimbusTest',
    POWERTOOLS_SERVICE_NAME: 'nimbus-widgets',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  observability = await import('#shared/observability.ts');
  const { httpHandler } = await import('#shared/http/pipeline.ts');
  const { metrics } = observability;
  const impls: Record<string, () => Promise<{ body: unknown }>> = {
    plain: async () => ({ body: { ok: true } }),
    missing: async () => {
      throw new NotFoundError('No such widget');
    },
    crash: async () => {
      throw new Error('boom');
    },
    counted: async () => {
      metrics.addMetric('WidgetsCounted', 'Count', 3);
      return { body: { ok: true } };
    },
  };
  for (const [id, impl] of Object.entries(impls)) {
    const handler = httpHandler(row(id), impl);
    handlers[id] = (event) => handler(event, lambdaContext());
  }
});

/** The lines `run` writes to stdout and to the console's warnings, parsed where JSON. */
async function written(
  run: () => Promise<unknown>,
): Promise<{ emf: Record<string, unknown>[]; other: string[] }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  const warn = console.warn;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  console.warn = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  try {
    await run();
  } finally {
    process.stdout.write = write;
    console.warn = warn;
  }
  const emf: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed._aws !== undefined) emf.push(parsed);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { emf, other };
}

const metricNames = (document: Record<string, unknown>): string[] =>
  (
    document._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }
  ).CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name));
/** The metric names of each line, lines in a stable order (the order they are written in is the middlewares'). */
const linesOf = (documents: readonly Record<string, unknown>[]): string[][] =>
  documents.map(metricNames).sort((a, b) => String(a).localeCompare(String(b)));

describe('httpHandler: metrics lines', () => {
  it('writes the cold start once, apart from the SLI line', async () => {
    const first = await written(
      () => handlers.plain?.(restEvent({ path: '/v1/widgets/plain' })) as Promise<unknown>,
    );
    assert.deepEqual(linesOf(first.emf), [['ColdStart'], ['RequestLatency', 'ServerError', 'Responses2xx']]);
    const second = await written(
      () => handlers.plain?.(restEvent({ path: '/v1/widgets/plain' })) as Promise<unknown>,
    );
    assert.deepEqual(second.emf.map(metricNames), [['RequestLatency', 'ServerError', 'Responses2xx']]);
  });

  for (const [id, status, serverError] of [
    ['plain', 2, 0],
    ['missing', 4, 0],
    ['crash', 5, 1],
  ] as const) {
    it(`a ${status}xx response writes one line: its SLI, its class counted once`, async () => {
      const { emf, other } = await written(
        () => handlers[id]?.(restEvent({ path: `/v1/widgets/${id}` })) as Promise<unknown>,
      );
      assert.equal(emf.length, 1);
      const [sli] = emf as [Record<string, unknown>];
      assert.deepEqual(metricNames(sli), ['RequestLatency', 'ServerError', `Responses${status}xx`]);
      assert.equal(sli.service, 'http');
      assert.equal(sli.routeClass, 'gateway');
      assert.equal(sli[`Responses${status}xx`], 1);
      assert.equal(sli.ServerError, serverError);
      assert.equal(typeof sli.RequestLatency, 'number');
      assert.deepEqual(
        other.filter((line) => /metrics/i.test(line)),
        [],
        'no warning about metrics',
      );
    });
  }

  it("publishes a route's own metric in the function's line, beside the SLI", async () => {
    const { emf } = await written(
      () => handlers.counted?.(restEvent({ path: '/v1/widgets/counted' })) as Promise<unknown>,
    );
    assert.deepEqual(linesOf(emf), [['RequestLatency', 'ServerError', 'Responses2xx'], ['WidgetsCounted']]);
    const own = emf.find((document) => document.WidgetsCounted !== undefined) as Record<string, unknown>;
    assert.equal(own.service, 'nimbus-widgets');
    assert.equal(own.WidgetsCounted, 3);
    assert.equal(observability.metrics.hasStoredMetrics(), false);
  });
});
