import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger / Metrics / Tracer per container. Service name, log level, namespace and sampling
 * come from the POWERTOOLS_* variables that FeatureFunction sets from the stage config.
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: { stage: process.env.NIMBUS_STAGE ?? 'unknown' } });
export const tracer = new Tracer();

/**
 * Counts one HTTP response as `Responses2xx`, `Responses4xx`, `Responses5xx`... (value 1).
 *
 * Every request emits exactly one, so Powertools always has an application metric to publish
 * (no "No application metrics to publish" warning). The class is in the metric *name* rather than
 * in metadata, which CloudWatch cannot graph or alarm on, or in a dimension, which Powertools
 * would apply to every metric of the invocation. `Responses5xx` replaces the former
 * `ServerErrors`; error rates are `Responses5xx / sum(Responses*)` per service and stage.
 */
export function countResponse(statusCode: number): void {
  metrics.addMetric(`Responses${Math.trunc(statusCode / 100)}xx`, MetricUnit.Count, 1);
}
