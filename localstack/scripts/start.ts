import { log } from './local-env.ts';
import { up } from './up.ts';

try {
  const { outputs } = await up();
  log('Nimbus is up.');
  process.stdout.write(`\n  API URL: ${outputs.ApiUrl}\n\n  try: curl -s ${outputs.ApiUrl}/health/ready\n\n`);
  process.stdout.write('  admin credentials: .local/admin.json (local stage only)\n');
  process.stdout.write('  outputs: .local/outputs.json   logs: .local/logs/   stop: npm stop\n');
} catch (error) {
  log(`start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
