import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { totpEnroll } from '../../functions/auth/routes.ts';
import { listKeys } from '../../functions/keys/routes.ts';
import { fallback, version } from '../../functions/platform/routes.ts';
import { routes } from '../../functions/routes.ts';
import { bundleProfile } from '../../functions/shared/config/bundle.ts';
import type { RouteDef } from '../../functions/shared/http/route.ts';
import { STAGE_CONFIGS } from '../../lib/config/stages.ts';
import { FeatureFunction } from '../../lib/constructs/feature-function.ts';
import { addNimbusStacks } from '../../lib/nimbus-app.ts';
import { bundleEntry, bytesByPackage } from '../bench/layers/bundle.ts';
import { cdkContext } from './support/build-app.ts';

const outdir = mkdtempSync(join(tmpdir(), 'nimbus-feature-function-'));
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('FeatureFunction bundling', () => {
  it('ships byte for byte the bundle the benchmark harness builds and measures', async () => {
    // Arrange
    const app = new App({ outdir: join(outdir, 'app') });
    const fn = new FeatureFunction(new Stack(app, 'Bundling'), 'Version', {
      entry: version.handler,
      feature: 'platform',
      config: STAGE_CONFIGS.local,
      route: version,
    });
    const shipped = join(app.outdir, (fn.node.findChild('Code') as Asset).assetPath, 'index.mjs');

    // Act
    const { outfile } = await bundleEntry(
      version.handler,
      join(outdir, 'bench', 'index.mjs'),
      {},
      bundleProfile(version, STAGE_CONFIGS.local.features.xray),
    );

    // Assert: any option set on one side only (FeatureFunction's props or the harness) changes the bytes.
    assert.deepEqual(fn.bundleJob.profile, bundleProfile(version, false));
    assert.ok(readFileSync(shipped).equals(readFileSync(outfile)), `${shipped} differs from ${outfile}`);
    Template.fromStack(Stack.of(fn)).resourceCountIs('AWS::Lambda::LayerVersion', 0);
  });

  it('gives each function its own bundle (CDK caches assets by source folder and options)', () => {
    const app = new App({ outdir: join(outdir, 'two') });
    const stack = new Stack(app, 'Two');
    const functions = [version, fallback].map(
      (route) =>
        new FeatureFunction(stack, route.id.replace('.', ''), {
          entry: route.handler,
          feature: 'platform',
          config: STAGE_CONFIGS.local,
          route,
        }),
    );

    const paths = functions.map((fn) => (fn.node.findChild('Code') as Asset).assetPath);

    assert.notEqual(paths[0], paths[1]);
  });
});

/**
 * The SDK's credential chain beyond its environment link (bundle-plugins.ts,
 * `lambdaCredentialsPlugin`): STS / SSO clients, ini files, instance metadata. No function ships it.
 */
const CREDENTIAL_CHAIN: readonly RegExp[] = [
  /^@aws-sdk\/nested-clients$/,
  /^@aws-sdk\/credential-provider-(?!env$)/,
  /^@aws-sdk\/token-providers$/,
  /^@smithy\/credential-provider-imds$/,
];

/** Packages with bytes in a bundle (esbuild also lists modules it read and then dropped whole). */
function shippedPackages(metafile: Parameters<typeof bytesByPackage>[0], outfile: string): string[] {
  return bytesByPackage(metafile, outfile)
    .filter(([, bytes]) => bytes > 0)
    .map(([pkg]) => pkg);
}

/** The packages whose presence a row must justify. */
function forbiddenPackages(route: RouteDef, tracing: boolean): RegExp[] {
  const profile = bundleProfile(route, tracing);
  const needs = route.needs ?? [];
  const forbidden: RegExp[] = [...CREDENTIAL_CHAIN];
  if (needs.length === 0) forbidden.push(/^@aws-sdk\//, /^@smithy\//, /^@upstash\//);
  if (!profile.rateLimit) forbidden.push(/^@upstash\/ratelimit$/);
  if (!profile.tracer) forbidden.push(/^aws-xray-sdk-core$/, /^cls-hooked$/);
  if (needs.length === 0 && route.request === undefined) forbidden.push(/^zod$/);
  // Only enrolment draws a QR code (functions/auth/domain/totp-qr.ts).
  if (route.id !== totpEnroll.id) forbidden.push(/^qrcode$/, /^pngjs$/);
  return forbidden;
}

describe('a route function bundle', () => {
  // Prod: tracing on, the largest bundles a stage ships.
  const tracing = STAGE_CONFIGS.prod.features.xray;
  for (const route of [...routes, fallback]) {
    it(`${route.id} carries no package its row does not use`, async () => {
      const outfile = join(outdir, 'rows', route.id, 'index.mjs');

      const { metafile } = await bundleEntry(route.handler, outfile, {}, bundleProfile(route, tracing));

      const packages = shippedPackages(metafile, outfile);
      for (const pattern of forbiddenPackages(route, tracing)) {
        const found = packages.filter((pkg) => pattern.test(pkg));
        assert.deepEqual(found, [], `${route.id} bundles ${found.join(', ')}`);
      }
    });
  }
});

describe('the response cache', () => {
  it('brings no zod to a cached route without request schemas (keys.list)', async () => {
    const row: RouteDef = listKeys;
    assert.ok(row.cache !== null && row.request === undefined);
    const outfile = join(outdir, 'cached', 'index.mjs');

    const { metafile } = await bundleEntry(listKeys.handler, outfile, {}, bundleProfile(listKeys, true));

    assert.deepEqual(
      shippedPackages(metafile, outfile).filter((pkg) => pkg === 'zod'),
      [],
    );
  });
});

describe('a function without a route row (jobs, workers, saga steps, the authorizer)', () => {
  // Prod's app, its bundling skipped at synth: each function is built below from its bundleJob.
  const app = new App({ context: { ...cdkContext('prod'), 'aws:cdk:bundling-stacks': [] } });
  addNimbusStacks(app);
  const routeHandlers = new Set([...routes, fallback].map((route) => route.handler));
  const others = app.node
    .findAll()
    .filter((c): c is FeatureFunction => c instanceof FeatureFunction)
    .filter((fn) => !routeHandlers.has(fn.bundleJob.entry));

  it('exists (the app has some)', () => {
    assert.ok(others.length > 0);
  });
  for (const fn of others) {
    it(`${fn.node.path} carries no credential provider but the environment's`, async () => {
      const outfile = join(outdir, 'others', fn.node.addr, 'index.mjs');

      const { metafile } = await bundleEntry(fn.bundleJob.entry, outfile, {}, fn.bundleJob.profile);

      const found = shippedPackages(metafile, outfile).filter((pkg) =>
        CREDENTIAL_CHAIN.some((pattern) => pattern.test(pkg)),
      );
      assert.deepEqual(found, [], `${fn.node.path} bundles ${found.join(', ')}`);
    });
  }
});

/**
 * Functions that check access tokens or signing keys and read no request body: their checks are
 * hand-written (functions/auth/domain/shape.ts, decision 0018), so none carries zod. The
 * authorizer first: it runs before every authenticated request.
 */
const WITHOUT_ZOD: readonly string[] = [
  'functions/authorizer/handlers/authorizer.ts',
  'functions/auth/handlers/me.ts',
  'functions/auth/handlers/logout.ts',
  'functions/auth/handlers/list-sessions.ts',
  'functions/auth/handlers/jwks.ts',
  'functions/auth/handlers/rotate-signing-keys.ts',
  'functions/auth/handlers/signing-keys-status.ts',
  'functions/auth/handlers/signing-keys-init.ts',
  'functions/auth/handlers/signing-key-rotation.ts',
  'functions/jobs/handlers/expiry-watch.ts',
  'functions/jobs/handlers/rotate-due.ts',
  'functions/jobs/handlers/retention-cleanup.ts',
];

describe('a function that checks tokens or signing keys but takes no request body', () => {
  // Prod's app, its bundling skipped at synth: each function is built below from its bundleJob.
  const app = new App({ context: { ...cdkContext('prod'), 'aws:cdk:bundling-stacks': [] } });
  addNimbusStacks(app);
  const functions = app.node.findAll().filter((c): c is FeatureFunction => c instanceof FeatureFunction);

  for (const entry of WITHOUT_ZOD) {
    it(`${entry} carries no zod`, async () => {
      const fn = functions.find((candidate) => candidate.bundleJob.entry === entry);
      assert.ok(fn !== undefined, `no function is built from ${entry}`);
      const outfile = join(outdir, 'without-zod', fn.node.addr, 'index.mjs');

      const { metafile } = await bundleEntry(fn.bundleJob.entry, outfile, {}, fn.bundleJob.profile);

      assert.deepEqual(
        shippedPackages(metafile, outfile).filter((pkg) => pkg === 'zod'),
        [],
      );
    });
  }
});

/** Runs `outfile`'s handler once in a fresh Node process with `env` alone; resolves on its exit. */
function runBundle(outfile: string, env: Readonly<Record<string, string>>): Promise<number | null> {
  const code = `const { handler } = await import(${JSON.stringify(pathToFileURL(outfile).href)}); await handler();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve) => child.on('exit', resolve));
}

describe("a function bundle's AWS credentials", () => {
  it('are the ones Lambda (and the local emulator) put in the environment, even with a profile set', async () => {
    // Arrange: an SDK endpoint that records each request's headers, and a bundle making one call.
    const requests: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      requests.push(req.headers);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify({ Name: 'credentials-probe', SecretString: 'ok' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => server.close());
    const { port } = server.address() as AddressInfo;
    const outfile = join(outdir, 'credentials-probe', 'index.mjs');
    await bundleEntry('test/cdk/support/credentials-probe.ts', outfile);

    // Act: the full chain would take AWS_PROFILE's (missing) profile before the environment.
    const exit = await runBundle(outfile, {
      HOME: join(outdir, 'no-home'),
      AWS_PROFILE: 'not-configured',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'AKIDLAMBDAROLE',
      AWS_SECRET_ACCESS_KEY: 'role-secret',
      AWS_SESSION_TOKEN: 'role-session-token',
    });

    // Assert
    assert.equal(exit, 0);
    assert.equal(requests.length, 1);
    assert.match(
      String(requests[0]?.authorization),
      /Credential=AKIDLAMBDAROLE\/\d{8}\/eu-west-1\/secretsmanager\//,
    );
    assert.equal(requests[0]?.['x-amz-security-token'], 'role-session-token');
  });
});
