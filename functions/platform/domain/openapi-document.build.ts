import { routes } from '#functions/routes.ts';
import { packageVersion } from '#shared/config/build.ts';
import { buildOpenApi } from './openapi.ts';

/**
 * The OpenAPI document, serialised. Evaluated when the function is built (`*.build.ts`,
 * lib/constructs/bundle-plugins.ts): the bundle carries the string, not the route table's schemas,
 * zod and the generator that make it.
 */
export const openApiDocument: string = JSON.stringify(buildOpenApi(routes, { version: packageVersion() }));
