import type { RouteDef } from '#shared/http/route.ts';

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * The route table as a Markdown page (docs/ROUTES.md): who may call each route, its rate-limit
 * scopes and its cache policy. Generated, never written by hand, so a route is described in one
 * place (its row); a unit test fails when the page is behind the table.
 */
export function routeList(routes: readonly RouteDef[]): string {
  const rows = routes.map((route) => {
    const who = route.auth === 'public' ? 'public' : `\`${route.permission ?? ''}\``;
    const limits = route.rateLimit.length > 0 ? route.rateLimit.join(', ') : '—';
    const cache = route.cache
      ? `${route.cache.dataClass}${route.cache.perPrincipal ? ', per principal' : ''}`
      : '—';
    return `| \`${route.method}\` | \`${cell(route.path)}\` | ${cell(route.summary)} | ${who} | ${limits} | ${cache} |`;
  });
  return [
    '# Routes',
    '',
    '<!-- Generated from functions/routes.ts by `npm run docs:routes`; do not edit. -->',
    '',
    'Every HTTP route of Nimbus, from the route table. Request and response schemas: `GET /openapi.json`',
    'on a deployed API. "Who" is `public` or the permission the caller must hold (roles grant',
    'permissions: `functions/shared/rbac.ts`).',
    '',
    '| method | path | what | who | rate limits | cache |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
