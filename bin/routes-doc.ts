/**
 * Writes docs/ROUTES.md from the route table: `npm run docs:routes`. The unit test
 * `test/unit/platform/route-list.test.ts` fails while the committed page differs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeList } from '../functions/platform/domain/route-list.ts';
import { routes } from '../functions/routes.ts';
import { REPO_ROOT } from '../lib/config/names.ts';

const target = join(REPO_ROOT, 'docs', 'ROUTES.md');
writeFileSync(target, routeList(routes));
// The same layout `npm run lint` expects (Biome pads table columns).
execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', target], {
  stdio: 'ignore',
});
process.stdout.write(`wrote ${target}\n`);
