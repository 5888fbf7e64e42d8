import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

// Child side of invokeInFreshProcess: reads the event on stdin, prints the result as the last line.
const entry = process.argv[2];
if (!entry) throw new Error('usage: invoke-child.ts <handler file>');
const event: unknown = JSON.parse(readFileSync(0, 'utf8'));
const mod = (await import(pathToFileURL(entry).href)) as {
  handler: (event: unknown, context: Context) => Promise<unknown>;
};
const context = {
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '512',
  awsRequestId: 'test-request',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;
const result = await mod.handler(event, context);
process.stdout.write(`\n${JSON.stringify(result)}\n`);
