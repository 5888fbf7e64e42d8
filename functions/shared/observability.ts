import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { createAnonymiser } from './anonymise.ts';
import { buildInfoFromEnv } from './config/build.ts';
import { tracingFromEnv } from './config/powertools.ts';

/**
 * One Logger / Metrics / Tracer per container. Service name, log level, namespace and sampling
 * come from the POWERTOOLS_* variables that FeatureFunction sets from the stage config.
 *
 * Every string the logger writes (message, extra keys, error messages and stacks, at any depth)
 * passes through the anonymiser (`anonymise.ts`): no email, IP or user id reaches a log in clear.
 * Its pseudonym key is drawn per container and never stored, so a pseudonym cannot be linked back
 * to a person by anyone, and logs never need an erasure (GDPR); a container's lines about one user
 * still share one pseudonym.
 */
export const logger = new Logger({ jsonReplacerFn: createAnonymiser(randomBytes(32)).replacer });
/** Powertools' Metrics, with its on/off switch readable: the SLI line (below) follows it too. */
class FunctionMetrics extends Metrics {
  public override isDisabled(): boolean {
    return super.isDisabled();
  }
}
export const metrics = new FunctionMetrics({ defaultDimensions: { stage: buildInfoFromEnv().stage } });

/**
 * The Tracer exists only where tracing is on (POWERTOOLS_TRACE_ENABLED, from the stage's
 * `features.xray`). Loading it loads the X-Ray SDK, whose async hooks tax every `await` in the
 * process even with tracing off (measured: 0.2 → 2 µs per await, 12–38 ms of cold start; see
 * docs/PERFORMANCE.md), so where nothing is traced it is not loaded at all.
 */
export const tracer: Tracer | undefined =
  // A constant in a bundle (config/bundle.ts): functions that call nothing out carry no Tracer.
  process.env.NIMBUS_BUNDLE_TRACER !== 'off' && tracingFromEnv()
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer()
    : undefined;

/** Wraps an AWS SDK v3 client for X-Ray when tracing is on; the client itself otherwise. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/**
 * The service level indicators of the API, as CloudWatch metrics (EMF), in the one metrics line
 * every HTTP response writes: `RequestLatency` (ms), `ServerError` (1 for a 5xx, else 0) and the
 * response's class as `Responses2xx`, `Responses4xx`, `Responses5xx`... (1), under service `http`
 * with the route's class (`gateway` | `api`) as the only other dimension besides the stage, so one
 * alarm sees every route of a class as one series: p95 against the class SLO, `PR(:<slo>)` for
 * the share of fast requests, the average of `ServerError` for the error rate (burn-rate alarms,
 * `lib/constructs/slo-alarms.ts`). The class is in the metric *name*, not in a dimension, which
 * would split the latency series. A function's own metrics (cold start, fallbacks, what a route
 * adds) are published apart, and only when there are some (`http/pipeline.ts`).
 */
export const SLI_METRICS = {
  latency: 'RequestLatency',
  serverError: 'ServerError',
  service: 'http',
} as const;

const SLI_NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE || 'default_namespace';
const SLI_ON = !metrics.isDisabled();
const SLI_STAGE = JSON.stringify(buildInfoFromEnv().stage);
/** The directive of each response class (1xx to 5xx), made on first use. */
const sliDirectives = new Map<number, string>();

function sliDirective(statusClass: number): string {
  let directive = sliDirectives.get(statusClass);
  if (directive === undefined) {
    directive = JSON.stringify({
      Namespace: SLI_NAMESPACE,
      Dimensions: [['service', 'stage', 'routeClass']],
      Metrics: [
        { Name: SLI_METRICS.latency, Unit: MetricUnit.Milliseconds },
        { Name: SLI_METRICS.serverError, Unit: MetricUnit.Count },
        { Name: `Responses${statusClass}xx`, Unit: MetricUnit.Count },
      ],
    });
    sliDirectives.set(statusClass, directive);
  }
  return directive;
}

/**
 * The line as Powertools' Metrics writes it for these points (test/unit/shared/metrics/
 * sli-line.test.ts compares the two), filled into a fixed template: it is written on every
 * request, and Powertools' store, checks and serialisation of the same points cost about a third
 * of the warm pipeline (docs/decisions/0019). Namespace and on/off switch are the function's own
 * Metrics' (POWERTOOLS_METRICS_NAMESPACE; POWERTOOLS_METRICS_DISABLED / POWERTOOLS_DEV).
 */
export function sliLine(routeClass: string, statusCode: number, ms: number, at = Date.now()): string {
  const statusClass = Math.trunc(statusCode / 100);
  return (
    `{"_aws":{"Timestamp":${at},"CloudWatchMetrics":[${sliDirective(statusClass)}]},` +
    `"service":"${SLI_METRICS.service}","stage":${SLI_STAGE},"routeClass":${JSON.stringify(routeClass)},` +
    `"${SLI_METRICS.latency}":${ms},"${SLI_METRICS.serverError}":${statusCode >= 500 ? 1 : 0},` +
    `"Responses${statusClass}xx":1}\n`
  );
}

/** Writes the response's SLI line (`routeClass` is one of ours, `ms` finite). */
export function recordSli(routeClass: string, statusCode: number, ms: number): void {
  if (SLI_ON) process.stdout.write(sliLine(routeClass, statusCode, ms));
}

/**
 * A stage-wide series a plain-statistic alarm can watch (no metric math, which the local emulator
 * refuses): one point of `metric.name` per call, dimensions stage and `metric.service`, published
 * at once. Its Metrics is made on the first point, so functions that never count pay nothing.
 */
function stageCounter(metric: { readonly name: string; readonly service: string }): () => void {
  let series: Metrics | undefined;
  return () => {
    series ??= new Metrics({
      serviceName: metric.service,
      defaultDimensions: { stage: buildInfoFromEnv().stage },
    });
    series.addMetric(metric.name, MetricUnit.Count, 1);
    series.publishStoredMetrics();
  };
}

/**
 * Redis fallbacks of every service as one series (`RedisFallbacks`, service `redis`): the rate
 * limiter deciding without Redis, the cache losing its L2. Each function also counts its own
 * (`RateLimitFallback_<mode>`, `CacheL2Unavailable`); this one feeds the stage's single "Redis
 * fallback active" alarm.
 */
export const REDIS_FALLBACK_METRIC = { name: 'RedisFallbacks', service: 'redis' } as const;
export const recordRedisFallback = stageCounter(REDIS_FALLBACK_METRIC);

/**
 * The authorizer's failures (an error other than a refused credential: a dependency that failed,
 * a bug; `AuthorizerFailures`, service `authorizer`). Its Lambda `Errors` cannot tell them apart:
 * API Gateway answers 401 only to a thrown `Unauthorized`, so every refusal is a Lambda error too.
 * A crash or a time-out, which emits nothing, makes the gateway answer 500: the API's 5xx alarm
 * sees those.
 */
export const AUTHORIZER_FAILURE_METRIC = { name: 'AuthorizerFailures', service: 'authorizer' } as const;
export const recordAuthorizerFailure = stageCounter(AUTHORIZER_FAILURE_METRIC);

/** Annotates the request's trace with what a trace search filters on: route, caller kind, org. */
export function annotateTrace(annotations: Readonly<Record<string, string>>): void {
  if (!tracer) return;
  for (const [key, value] of Object.entries(annotations)) tracer.putAnnotation(key, value);
}
