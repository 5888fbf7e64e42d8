import { routes } from '#functions/routes.ts';

/**
 * The methods the route table declares on each resource path, for the 405's `Allow`. Evaluated
 * when the function is built (`*.build.ts`, lib/constructs/bundle-plugins.ts): the fallback carries
 * this table, not the route table.
 */
export const allowedByPath: Readonly<Record<string, readonly string[]>> = routes.reduce<
  Record<string, string[]>
>((allowed, route) => {
  allowed[route.path] = [...(allowed[route.path] ?? []), route.method];
  return allowed;
}, {});
