import { SFNClient } from '@aws-sdk/client-sfn';
import { traced } from '../observability.ts';

/** One Step Functions client per container; the endpoint comes from AWS_ENDPOINT_URL when set. */
export const sfn = traced(new SFNClient({ maxAttempts: 3 }));
