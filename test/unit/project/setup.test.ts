import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '#lib/config/names.ts';

/**
 * `npm ci` on a fresh clone is the first thing the README and CI run: it refuses a lock that is
 * not in step with package.json. Checked in a scratch folder with `--dry-run`, so nothing here
 * touches the installed node_modules.
 */
describe('package-lock.json', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nimbus-lock-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const npmCiDryRun = (packageJson: string) => {
    writeFileSync(join(scratch, 'package.json'), packageJson);
    copyFileSync(join(REPO_ROOT, 'package-lock.json'), join(scratch, 'package-lock.json'));
    return spawnSync(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: scratch, encoding: 'utf8' },
    );
  };

  it('is in sync with package.json: npm ci accepts it', () => {
    const result = npmCiDryRun(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));

    assert.equal(result.status, 0, `npm ci --dry-run refused the lock:\n${result.stderr}`);
  });

  it('is refused once package.json asks for something it does not lock (the check can fail)', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies['left-pad'] = '1.3.0';

    const result = npmCiDryRun(JSON.stringify(manifest));

    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /in sync/);
  });
});
