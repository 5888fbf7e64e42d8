import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Invokes a handler in a fresh Node process with the given environment, as a Lambda cold start
 * would: module-scope clients and env reads happen anew, nothing leaks between scenarios.
 */
export function invokeInFreshProcess(
  entry: string,
  event: unknown,
  env: Readonly<Record<string, string | undefined>>,
): APIGatewayProxyResult {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/support/invoke-child.ts'), join(ROOT, entry)],
    { input: JSON.stringify(event), encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 },
  );
  if (result.status !== 0) throw new Error(`handler process failed: ${result.stderr}`);
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as APIGatewayProxyResult;
}
