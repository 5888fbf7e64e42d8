/**
 * What measure.ts compares besides the two modes: bundling variants (each one change to the
 * per-function bundle, to measure what it would save) and each shared dependency on its own.
 */
import { readFileSync } from 'node:fs';
import type { BuildOptions, Plugin } from 'esbuild';
import type { SharedDepsLayer } from '../../../layers/shared-deps-layer.ts';
import { DEPLOYED_NODE_OPTIONS } from './import-time.ts';

/** Handlers the bundling variants are measured on: a trivial one and the one that probes every dependency. */
export const SAMPLE_HANDLERS = [
  'functions/platform/handlers/version.ts',
  'functions/platform/handlers/health-ready.ts',
];

/** Each shared dependency alone, used the way functions/shared uses it. */
export const PROBES: Readonly<Record<string, string>> = {
  '@aws-lambda-powertools/logger': `import { Logger } from '@aws-lambda-powertools/logger'; export const x = new Logger();`,
  '@aws-lambda-powertools/metrics': `import { Metrics } from '@aws-lambda-powertools/metrics'; export const x = new Metrics();`,
  '@aws-lambda-powertools/tracer': `import { Tracer } from '@aws-lambda-powertools/tracer'; export const x = new Tracer();`,
  '@middy/core': `import middy from '@middy/core'; export const x = middy().handler(async () => ({}));`,
  'zod (import { z })': `import { z } from 'zod'; export const x = z.object({ a: z.string() });`,
  'zod (import * as z)': `import * as z from 'zod'; export const x = z.object({ a: z.string() });`,
  '@aws-sdk/client-dynamodb + lib-dynamodb': `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
    import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
    export const x = DynamoDBDocumentClient.from(new DynamoDBClient({})); export { GetCommand };`,
  '@aws-sdk/client-secrets-manager': `import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
    export const x = new SecretsManagerClient({}); export { GetSecretValueCommand };`,
  '@upstash/redis': `import { Redis } from '@upstash/redis'; export { Redis };`,
  '@upstash/ratelimit': `import { Ratelimit } from '@upstash/ratelimit'; export { Ratelimit };`,
  jose: `import { exportJWK, generateKeyPair, SignJWT, jwtVerify } from 'jose';
    export { exportJWK, generateKeyPair, SignJWT, jwtVerify };`,
};

export const BASELINE = 'export const handler = async () => ({ statusCode: 200, body: "" });';

/** `import { z } from 'zod'` → `import * as z from 'zod'` in our sources (what zod 4 recommends). */
export const zodNamespaceImport: Plugin = {
  name: 'zod-namespace-import',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]functions[\\/].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        "import { z } from 'zod';",
        "import * as z from 'zod';",
      ),
      loader: 'ts',
    }));
  },
};

/** A no-op Tracer: what the handlers would cost without Powertools Tracer and the X-Ray SDK. */
export const noTracer: Plugin = {
  name: 'no-tracer',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/tracer(\/middleware)?$/ }, () => ({
      path: 'tracer',
      namespace: 'no-tracer',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'no-tracer' }, () => ({
      contents: `export class Tracer { captureAWSv3Client(c) { return c; } putAnnotation() {} putMetadata() {} }
        export const captureLambdaHandler = () => ({ before() {} });`,
      loader: 'js',
    }));
  },
};

export interface Variant {
  readonly id: string;
  readonly description: string;
  readonly handlers: readonly string[];
  readonly nodeOptions: string;
  /** Layer the handler resolves its shared dependencies from, if any. */
  readonly layer?: SharedDepsLayer;
  readonly overrides?: BuildOptions;
}

/** esbuild options that split a function into index.mjs + lazily imported chunks. */
export const SPLITTING: BuildOptions = {
  splitting: true,
  entryNames: 'index',
  outExtension: { '.js': '.mjs' },
};

/** Handlers invoked both ways to show that the layer build answers exactly like the bundle. */
export const SMOKE_HANDLERS = ['fallback', 'health-live', 'openapi', 'version'].map(
  (name) => `functions/platform/handlers/${name}.ts`,
);

export function deepVariants(handlers: readonly string[], fullLayer: SharedDepsLayer): Variant[] {
  const deployed = { handlers, nodeOptions: DEPLOYED_NODE_OPTIONS };
  return [
    { id: 'layer-full', description: 'handler + layer of whole packages', ...deployed, layer: fullLayer },
    {
      id: 'bundle-no-sourcemaps',
      description: 'bundle, NODE_OPTIONS without --enable-source-maps',
      handlers,
      nodeOptions: '',
    },
    {
      id: 'bundle-zod-namespace',
      description: "bundle, `import * as z from 'zod'`",
      ...deployed,
      overrides: { plugins: [zodNamespaceImport] },
    },
    {
      id: 'bundle-no-tracer',
      description: 'bundle, Tracer replaced by a no-op (cost of Tracer + X-Ray SDK)',
      ...deployed,
      overrides: { plugins: [noTracer] },
    },
    {
      id: 'bundle-split',
      description: 'bundle with code splitting (dynamic imports become lazy chunks)',
      ...deployed,
      overrides: SPLITTING,
    },
    {
      id: 'bundle-zod-namespace-split',
      description: 'bundle, zod namespace import + code splitting',
      ...deployed,
      overrides: { ...SPLITTING, plugins: [zodNamespaceImport] },
    },
  ];
}
