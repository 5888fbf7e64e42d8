import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability.ts';

/**
 * One DynamoDB document client per container. The endpoint comes from AWS_ENDPOINT_URL when set
 * (the SDK reads it itself), exactly as on AWS where it is unset.
 */
export const dynamo = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ maxAttempts: 3 })), {
  marshallOptions: { removeUndefinedValues: true },
});
