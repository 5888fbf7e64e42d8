// Entry point of every npm script that needs the project's dependencies. Plain ESM with nothing
// but Node built-ins, so that it runs on a fresh clone before anything is installed: it installs
// the locked dependencies when node_modules is missing or older than the lock, then runs
// `node --import tsx <args>` on the pinned Node (node_modules/.bin/node, Lambda's major).
//
//   node localstack/scripts/bootstrap.mjs localstack/scripts/start.ts
//   node localstack/scripts/bootstrap.mjs --test 'test/unit/**/*.test.ts'
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (message) => console.log(`[nimbus] ${message}`);

const lockFile = join(root, 'package-lock.json');
const stampFile = join(root, 'node_modules', '.nimbus-installed-lock');
const lockDigest = () => createHash('sha256').update(readFileSync(lockFile)).digest('hex');

/**
 * Whether node_modules holds what the lock describes. After an install through this script, a
 * stamp records the digest of the lock it installed, so a checkout that only touches the lock's
 * date installs nothing. Without a stamp (a plain `npm ci`, as CI runs first), npm's own
 * node_modules/.package-lock.json tells the install's age: it must not be older than the lock.
 */
function installIsCurrent() {
  if (existsSync(stampFile)) return readFileSync(stampFile, 'utf8') === lockDigest();
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed)) return false;
  return statSync(lockFile).mtimeMs <= statSync(installed).mtimeMs;
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
if (!existsSync(stampFile)) writeFileSync(stampFile, lockDigest());

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
