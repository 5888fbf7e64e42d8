import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { OnResolveArgs, Plugin, PluginBuild } from 'esbuild';

/**
 * The esbuild plugins every function is built with (`functionBuildOptions`, bundling.ts). The
 * first two evaluate a module of ours when the function is built, in the building process (the CDK
 * app or the benchmark, both run under tsx), and put what it computed in the bundle instead of the
 * code that computes it: what is the same for every request of a build is not rebuilt at each cold
 * start. The third cuts the AWS SDK's default credential chain down to the one link Lambda uses;
 * the fourth gives a CommonJS dependency of `semver` only the semver functions it calls.
 */

/** A feature's `routes.ts` or the route table `functions/routes.ts`. */
const ROUTES_MODULE = /[\\/]functions[\\/](?:[^\\/]+[\\/])?routes\.ts$/;
/** Imports of the original module, made by the generated one; never intercepted again. */
const SOURCE_MARK = '?route-source';
const ROWS_NAMESPACE = 'nimbus-route-rows';
const BUILD_TIME_NAMESPACE = 'nimbus-build-time';
const CREDENTIALS_NAMESPACE = 'nimbus-lambda-credentials';
const SEMVER_NAMESPACE = 'nimbus-semver-functions';

/**
 * Where esbuild resolves `specifier` (default: the import's own) from the importing module, past
 * the calling plugin: `mark` rides on the inner resolution, and the plugin's onResolve returns
 * undefined when it sees it, so it never intercepts itself. Undefined when it does not resolve.
 */
async function resolvePast(
  build: PluginBuild,
  args: OnResolveArgs,
  mark: string,
  specifier = args.path,
): Promise<string | undefined> {
  const resolved = await build.resolve(specifier, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: mark,
  });
  return resolved.errors.length > 0 ? undefined : resolved.path;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

function isPlainJson(value: unknown): value is Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => v === undefined || isPlainJson(v));
}

interface RowLike {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly handler: string;
  readonly request?: unknown;
  readonly responses: Readonly<
    Record<string, { readonly description: string; readonly contentType?: string }>
  >;
}

function isRow(value: unknown): value is RowLike {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Partial<RowLike>;
  return (
    typeof row.id === 'string' &&
    typeof row.method === 'string' &&
    typeof row.path === 'string' &&
    typeof row.handler === 'string' &&
    typeof row.responses === 'object'
  );
}

/**
 * A row as a function needs it at run time, as a JavaScript expression: everything but the
 * response schemas (they only describe the API, in the OpenAPI document) and the request schemas,
 * which are zod objects: a row that declares some takes them, and with them zod, from the original
 * module (`source`), whose evaluation a function pays only then.
 */
function rowExpression(row: RowLike, source: string): string {
  const { request, responses, ...rest } = row;
  const runtime = {
    ...rest,
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, { description, contentType }]) => [
        status,
        contentType === undefined ? { description } : { description, contentType },
      ]),
    ),
  };
  if (!isPlainJson(runtime)) {
    throw new Error(`Route ${row.id}: a row's members other than its schemas must be plain data`);
  }
  const literal = JSON.stringify(runtime);
  if (request === undefined) return literal;
  // Pure, so that a row nobody imports is dropped, and with the last one the original module.
  return `/* @__PURE__ */ (() => ({ ...${literal}, request: ${source}.request }))()`;
}

/** The generated replacement of one routes module: its rows as data, anything else re-exported. */
function rowsModule(path: string, exports: Readonly<Record<string, unknown>>): string {
  const source = JSON.stringify(`${path}${SOURCE_MARK}`);
  const lines: string[] = [];
  const localOf = new Map<unknown, string>();
  for (const [name, value] of Object.entries(exports)) {
    if (!isRow(value)) continue;
    lines.push(`import { ${name} as __source_${name} } from ${source};`);
    lines.push(`export const ${name} = ${rowExpression(value, `__source_${name}`)};`);
    localOf.set(value, name);
  }
  for (const [name, value] of Object.entries(exports)) {
    if (isRow(value)) continue;
    if (Array.isArray(value) && value.length > 0 && value.every(isRow)) {
      const items = value.map((row: RowLike, i) => {
        const local = localOf.get(row);
        if (local !== undefined) return local;
        return rowExpression(row, `__source_${name}[${i}]`);
      });
      if (items.some((item) => item.includes(`__source_${name}[`))) {
        lines.push(`import { ${name} as __source_${name} } from ${source};`);
      }
      lines.push(`export const ${name} = /* @__PURE__ */ (() => [${items.join(', ')}])();`);
    } else {
      lines.push(`export { ${name} } from ${source};`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Replaces every import of a routes module with its rows as data (`rowsModule`). A handler then
 * carries its own row without zod where the row declares no request schema, and no other row's
 * schemas in any case. The original module is still evaluated here, so `defineRoute`'s checks
 * run when the function is built.
 */
export function routeRowsPlugin(): Plugin {
  return {
    name: 'nimbus-route-rows',
    setup(build) {
      build.onResolve({ filter: /routes\.ts(\?route-source)?$/ }, async (args) => {
        if (args.pluginData === ROWS_NAMESPACE) return undefined;
        const marked = args.path.endsWith(SOURCE_MARK);
        const specifier = marked ? args.path.slice(0, -SOURCE_MARK.length) : args.path;
        const path = await resolvePast(build, args, ROWS_NAMESPACE, specifier);
        if (path === undefined || !ROUTES_MODULE.test(path)) return undefined;
        // The original, imported only by the generated module: without side effects to keep, so
        // that it is left out when no row of it needs its request schemas.
        if (marked) return { path, sideEffects: false };
        return { path, namespace: ROWS_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: ROWS_NAMESPACE }, async (args) => {
        const exports = (await import(pathToFileURL(args.path).href)) as Record<string, unknown>;
        return { contents: rowsModule(args.path, exports), loader: 'js', resolveDir: '/' };
      });
    },
  };
}

/**
 * Modules named `*.build.ts` are evaluated when a function is built and replaced by their exports,
 * which must be plain JSON (an OpenAPI document, a table derived from the routes). Run as
 * written in tests and under tsx.
 */
export function buildTimeModulesPlugin(): Plugin {
  return {
    name: 'nimbus-build-time-modules',
    setup(build) {
      build.onResolve({ filter: /\.build\.ts$/ }, async (args) => {
        if (args.pluginData === BUILD_TIME_NAMESPACE) return undefined;
        const path = await resolvePast(build, args, BUILD_TIME_NAMESPACE);
        return path === undefined ? undefined : { path, namespace: BUILD_TIME_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: BUILD_TIME_NAMESPACE }, async (args) => {
        const exports = (await import(pathToFileURL(args.path).href)) as Record<string, unknown>;
        const lines = Object.entries(exports).map(([name, value]) => {
          if (!isPlainJson(value)) throw new Error(`${args.path}: export ${name} is not plain JSON`);
          return `export const ${name} = ${JSON.stringify(value)};`;
        });
        return { contents: `${lines.join('\n')}\n`, loader: 'js' };
      });
    },
  };
}

/** The package every SDK client's runtime config takes `defaultProvider` from. */
const DEFAULT_CREDENTIAL_CHAIN = /^@aws-sdk\/credential-provider-node$/;

/**
 * Replaces the SDK's default credential chain with its first link, the environment provider
 * (`fromEnv`), in a function's bundle. Lambda hands a function its role's credentials in
 * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and so does the local
 * emulator (ministack's `execution_credentials`, docs/decisions/0016); the other links (SSO, ini
 * files, web identity, process, container and instance metadata) are never reached there, but
 * every client's runtime config imports the whole chain, and with it STS, SSO and SSO-OIDC
 * clients (`@aws-sdk/nested-clients`). Only bundles change: tests and scripts run the clients
 * from node_modules with the full chain. The replacement imports `@aws-sdk/credential-provider-env`
 * from the chain's own folder, so it is the copy the chain itself would have used.
 */
export function lambdaCredentialsPlugin(): Plugin {
  return {
    name: 'nimbus-lambda-credentials',
    setup(build) {
      build.onResolve({ filter: DEFAULT_CREDENTIAL_CHAIN }, async (args) => {
        if (args.pluginData === CREDENTIALS_NAMESPACE) return undefined;
        const path = await resolvePast(build, args, CREDENTIALS_NAMESPACE);
        if (path === undefined) return undefined;
        // Named as ours, not as the package's (whose code it no longer holds); resolved from the
        // package's folder.
        return {
          path: 'lambda-environment-credentials',
          namespace: CREDENTIALS_NAMESPACE,
          pluginData: dirname(path),
        };
      });
      build.onLoad({ filter: /.*/, namespace: CREDENTIALS_NAMESPACE }, (args) => ({
        // Only `defaultProvider` is re-exported: an import of any other name of the chain fails
        // the build instead of shipping something that was not reviewed.
        contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';\n",
        loader: 'js',
        resolveDir: String(args.pluginData),
      }));
    },
  };
}

/**
 * The functions a CommonJS module calls on its `semver` binding, if that is all it does with it:
 * `const|var|let <name> = require('semver')` once, and every other occurrence of `<name>` a
 * member call `<name>.<function>(`. Anything else (passing the module on, `import`, a second
 * binding) answers undefined.
 */
export function semverFunctionsCalled(source: string): string[] | undefined {
  const declarations = [
    ...source.matchAll(/\b(?:const|var|let)\s+([\w$]+)\s*=\s*require\((['"])semver\2\)/g),
  ];
  const name = declarations[0]?.[1];
  if (declarations.length !== 1 || name === undefined) return undefined;
  if (/\bfrom\s+['"]semver['"]|\bimport\s*\(\s*['"]semver['"]/.test(source)) return undefined;
  // Every other occurrence of the name, outside the declaration, must be one of the calls; one in
  // a string or a comment's prose also counts, and makes the answer undefined (conservative).
  const rest = source.replace(declarations[0]?.[0] ?? '', '');
  const escaped = name.replace(/\$/g, '\\$');
  const uses = rest.match(new RegExp(`(?<![\\w$.])${escaped}(?![\\w$])`, 'g')) ?? [];
  const calls = [...rest.matchAll(new RegExp(`(?<![\\w$.])${escaped}\\.([A-Za-z]\\w*)\\s*\\(`, 'g'))];
  if (uses.length !== calls.length) return undefined;
  return [...new Set(calls.map((call) => call[1] as string))].sort();
}

/**
 * `require('semver')` in a CommonJS dependency (the X-Ray SDK and cls-hooked each call
 * `semver.gte` once, at load) brings the whole package, ranges and all (~28 KB minified): the
 * module is CommonJS, so nothing of it is tree-shaken. Where `semverFunctionsCalled` can tell what
 * the importer calls, and semver ships each as `semver/functions/<name>`, the import resolves to an
 * object of exactly those (~9 KB for `gte`), resolved from the semver the importer would load.
 * Otherwise the import is left alone.
 */
export function semverFunctionsPlugin(): Plugin {
  return {
    name: 'nimbus-semver-functions',
    setup(build) {
      build.onResolve({ filter: /^semver$/ }, async (args) => {
        if (args.kind !== 'require-call' || args.importer === '') return undefined;
        const called = semverFunctionsCalled(await readFile(args.importer, 'utf8'));
        if (called === undefined || called.length === 0) return undefined;
        const functions = await Promise.all(
          called.map(async (name) => {
            const resolved = await build.resolve(`semver/functions/${name}`, {
              kind: 'require-call',
              importer: args.importer,
              resolveDir: args.resolveDir,
            });
            return resolved.errors.length === 0 ? ([name, resolved.path] as const) : undefined;
          }),
        );
        if (functions.some((entry) => entry === undefined)) return undefined;
        return {
          path: `semver(${called.join(',')})@${args.resolveDir}`,
          namespace: SEMVER_NAMESPACE,
          pluginData: functions,
        };
      });
      build.onLoad({ filter: /.*/, namespace: SEMVER_NAMESPACE }, (args) => {
        const functions = args.pluginData as readonly (readonly [string, string])[];
        const members = functions.map(([name, path]) => `${name}: require(${JSON.stringify(path)})`);
        return { contents: `module.exports = { ${members.join(', ')} };\n`, loader: 'js', resolveDir: '/' };
      });
    },
  };
}
