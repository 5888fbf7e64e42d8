import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger / Metrics / Tracer per container. Service name, log level, namespace and sampling
 * come from the POWERTOOLS_* variables that FeatureFunction sets from the stage config.
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: { stage: process.env.NIMBUS_STAGE ?? 'unknown' } });
export const tracer = new Tracer();
