// Entry point of every npm script that needs the project's dependencies. Plain ESM with nothing
// but Node built-ins, so that it runs on a fresh clone before anything is installed: it installs
// the locked dependencies when node_modules is missing or older than the lock, then runs
// `node --import tsx <args>` on the pinned Node (node_modules/.bin/node, Lambda's major).
//
//   node localstack/scripts/bootstrap.mjs localstack/scripts/start.ts
//   node localstack/scripts/bootstrap.mjs --test 'test/unit/**/*.test.ts'
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (message) => console.log(`[nimbus] ${message}`);

/**
 * npm writes node_modules/.package-lock.json on every install: its age is the install's. The lock
 * is what gets installed, so only a lock newer than the install asks for another (editing a
 * script in package.json does not).
 */
function installIsCurrent() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return false;
  return statSync(join(root, 'package-lock.json')).mtimeMs <= statSync(installed).mtimeMs;
}

if (!installIsCurrent()) {
  say('installing dependencies from package-lock.json (npm ci)');
  // npm ci refuses a lock that is out of step with package.json: a drifting lock fails here,
  // loudly, rather than being silently rewritten.
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) {
    say('npm ci failed; see above');
    process.exit(install.status ?? 1);
  }
}

const pinnedNode = join(root, 'node_modules', '.bin', 'node');
const node = existsSync(pinnedNode) ? pinnedNode : process.execPath;
const binDir = join(root, 'node_modules', '.bin');
const child = spawnSync(node, ['--import', 'tsx', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  // What npm run gives a script, so that tools started below find the pinned Node and local bins
  // even when npm itself ran before node_modules existed.
  env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` },
});
if (child.error) {
  say(`could not start ${node}: ${child.error.message}`);
  process.exit(1);
}
process.exit(child.status ?? (child.signal ? 1 : 0));
