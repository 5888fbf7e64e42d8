import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bindingsEnvironment } from '../../functions/shared/config/bindings.ts';
import { redisEnvironment } from '../../functions/shared/config/redis.ts';
import { REPO_ROOT } from '../../lib/config/names.ts';
import { AWS_ENV, log, run } from './local-env.ts';
import { down, type UpResult, up } from './up.ts';

/**
 * `npm test`: brings the local system up (or reuses a running one), runs every suite in one
 * node:test run — unit, CDK assertions with cdk-nag, integration against the real emulators,
 * e2e over HTTP against the deployed API — then stops only what it started.
 */
const suites = process.argv.slice(2);
const patterns =
  suites.length > 0
    ? suites.map((suite) => `test/${suite}/**/*.test.ts`)
    : [
        'test/unit/**/*.test.ts',
        'test/cdk/**/*.test.ts',
        'test/integration/**/*.test.ts',
        'test/e2e/**/*.test.ts',
      ];

let system: UpResult | undefined;
let status = 1;
try {
  // The linter and the type checker first: cheap, and a red build should say so before deploying.
  if (suites.length === 0) {
    log('lint: biome + tsc');
    run(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['check', '.']);
    run(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  }
  system = await up();
  const { outputs, redisToken } = system;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...patterns],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        ...AWS_ENV,
        NIMBUS_API_URL: outputs.ApiUrl,
        ...redisEnvironment({ restUrl: outputs.RedisRestUrl, token: redisToken }),
        ...bindingsEnvironment({
          appTable: outputs.AppTableName,
          eventsTable: outputs.EventsTableName,
          personalKeysTable: outputs.PersonalKeysTableName,
          signingKeysSecret: outputs.SigningKeysSecretArn,
          dataKeySecret: outputs.DataKeySecretArn,
          rateLimitKeySecret: outputs.RateLimitKeySecretArn,
        }),
      },
    },
  );
  status = result.status ?? 1;
} catch (error) {
  log(`tests could not run: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  if (system) await down(system.started);
}
process.exit(status);
