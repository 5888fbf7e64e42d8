import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { REPO_ROOT } from '../../lib/config/names.ts';

/**
 * Invokes a handler in a fresh Node process with the given environment, as a Lambda cold start
 * would: module-scope clients and env reads happen anew, nothing leaks between scenarios.
 * Asynchronous on purpose: a server the test runs in-process (a Redis bridge) must keep serving.
 */
export function invokeInFreshProcess(
  entry: string,
  event: unknown,
  env: Readonly<Record<string, string | undefined>>,
): Promise<APIGatewayProxyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/support/invoke-child.ts'), join(REPO_ROOT, entry)],
      {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`handler process failed (${code}): ${stderr}`));
      const last = stdout.trim().split('\n').at(-1) ?? '';
      resolve(JSON.parse(last) as APIGatewayProxyResult);
    });
    child.stdin.end(JSON.stringify(event));
  });
}
