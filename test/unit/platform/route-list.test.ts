import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { routeList } from '#functions/platform/domain/route-list.ts';
import { routes } from '#functions/routes.ts';
import { REPO_ROOT } from '#lib/config/names.ts';

/** Table cells trimmed and rules shortened: the formatter pads columns, the content is what counts. */
const normalise = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : line,
    )
    .join('\n');

describe('docs/ROUTES.md', () => {
  it('is the route table as it is now (regenerate with npm run docs:routes)', () => {
    const committed = readFileSync(join(REPO_ROOT, 'docs', 'ROUTES.md'), 'utf8');

    assert.equal(normalise(committed), normalise(routeList(routes)));
  });

  it('has one row per route, naming its method, path and who may call it', () => {
    const page = routeList(routes);

    for (const route of routes) {
      const row = page
        .split('\n')
        .find((line) => line.startsWith(`| \`${route.method}\` | \`${route.path}\` |`));
      assert.ok(row, `${route.method} ${route.path}`);
      assert.ok(row.includes(route.permission === null ? '| public |' : `\`${route.permission}\``), row);
    }
  });
});
