/**
 * The SLI document is built by hand on the hot path (`recordSli`, observability.ts): it must be
 * exactly what Powertools' Metrics writes for the same points, which the SLO alarms and the
 * dashboard read (service `http`, stage, routeClass).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powertoolsEnvironment } from '#shared/config/powertools.ts';
import { functionEnvironment } from '../../../support/function-env.ts';

Object.assign(
  process.env,
  functionEnvironment(),
  powertoolsEnvironment({ serviceName: 'nimbus-auth', logLevel: 'ERROR', tracing: false, logSampleRate: 0 }),
  { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'false' },
);
const { Metrics, MetricUnit } = await import('@aws-lambda-powertools/metrics');
const { buildInfoFromEnv } = await import('#shared/config/build.ts');
const { recordSli, SLI_METRICS, sliLine } = await import('#shared/observability.ts');

/** Lines written to stdout while `run` runs (not passed on). */
function written(run: () => void): string[] {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

/** What Powertools writes for the same SLI points, with the same namespace and stage. */
function powertoolsLine(routeClass: string, statusCode: number, ms: number): Record<string, unknown> {
  const series = new Metrics({
    serviceName: SLI_METRICS.service,
    defaultDimensions: { stage: buildInfoFromEnv().stage },
  });
  const lines = written(() => {
    series.addDimension('routeClass', routeClass);
    series.addMetric(SLI_METRICS.latency, MetricUnit.Milliseconds, ms);
    series.addMetric(SLI_METRICS.serverError, MetricUnit.Count, statusCode >= 500 ? 1 : 0);
    series.addMetric(`Responses${Math.trunc(statusCode / 100)}xx`, MetricUnit.Count, 1);
    series.publishStoredMetrics();
  });
  assert.equal(lines.length, 1);
  return JSON.parse(lines[0] as string) as Record<string, unknown>;
}

describe('SLI line', () => {
  for (const [routeClass, status, ms] of [
    ['api', 200, 12.345678],
    ['gateway', 503, 0.5],
    ['api', 404, 1500],
    ['gateway', 304, 2],
  ] as const) {
    it(`is Powertools' document for ${routeClass} ${status} in ${ms} ms`, () => {
      const expected = powertoolsLine(routeClass, status, ms);
      const at = (expected._aws as { Timestamp: number }).Timestamp;
      assert.ok(sliLine(routeClass, status, ms, at).endsWith('}\n'));
      assert.deepEqual(JSON.parse(sliLine(routeClass, status, ms, at)), expected);
    });
  }

  it('recordSli writes exactly one such line per call, timestamped now', () => {
    const before = Date.now();
    const lines = written(() => recordSli('api', 500, 7.25));
    assert.equal(lines.length, 1);
    const document = JSON.parse(lines[0] as string) as Record<string, unknown> & {
      _aws: { Timestamp: number };
    };
    assert.ok(document._aws.Timestamp >= before && document._aws.Timestamp <= Date.now());
    assert.equal(document.RequestLatency, 7.25);
    assert.equal(document.ServerError, 1);
    assert.equal(document.Responses5xx, 1);
  });
});
