import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { traced } from '../observability.ts';

/** One CloudWatch client per container; the endpoint comes from AWS_ENDPOINT_URL when set. */
export const cloudwatch = traced(new CloudWatchClient({ maxAttempts: 3 }));
