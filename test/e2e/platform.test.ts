import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../lib/config/names.ts';
import { call } from '../support/stack.ts';

// Over HTTP, through API Gateway → Lambda on the local emulator.
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

function assertProblem(body: Record<string, unknown> | undefined, status: number): void {
  assert.ok(body, 'a JSON problem body');
  assert.equal(body.status, status);
  assert.match(String(body.type), /^https:\/\/nimbus\.dev\/problems\//);
  for (const member of ['title', 'detail', 'instance', 'correlationId']) {
    assert.equal(typeof body[member], 'string', `problem member ${member}`);
  }
  assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
}

describe('platform routes on the deployed API', () => {
  it('GET /health answers 200 with security headers and a fresh correlation id', async () => {
    const res = await call('/health');

    assert.equal(res.status, 200);
    assert.equal(res.json?.status, 'ok');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    assert.match(res.headers.get('x-correlation-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('echoes a caller-supplied correlation id', async () => {
    const res = await call('/health', { headers: { 'x-correlation-id': 'e2e-corr-42' } });

    assert.equal(res.headers.get('x-correlation-id'), 'e2e-corr-42');
  });

  it('GET /health/ready answers 200 when DynamoDB and Redis are up', async () => {
    const res = await call('/health/ready');

    assert.equal(res.status, 200, res.text);
    const checks = res.json?.checks as Record<string, { status: string }>;
    assert.equal(checks.dynamodb?.status, 'ok');
    assert.equal(checks.redis?.status, 'ok');
  });

  it('GET /version names the package version, the local stage and a build time', async () => {
    const res = await call('/version');

    assert.equal(res.status, 200);
    assert.equal(res.json?.version, pkg.version);
    assert.equal(res.json?.stage, 'local');
    assert.ok(!Number.isNaN(Date.parse(String(res.json?.buildTime))), 'buildTime is a date');
    // A deploy of uncommitted changes names the commit it started from and a digest of the change.
    assert.match(String(res.json?.commit), /^([0-9a-f]{12}(-dirty\.[0-9a-f]{8})?|unknown)$/);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document listing the platform routes', async () => {
    const res = await call('/openapi.json');

    assert.equal(res.status, 200);
    assert.equal(res.json?.openapi, '3.1.0');
    const paths = res.json?.paths as Record<string, Record<string, { operationId: string }>>;
    assert.equal(paths['/health']?.get?.operationId, 'platform.healthLive');
    assert.equal(paths['/health/ready']?.get?.operationId, 'platform.healthReady');
    assert.equal(paths['/version']?.get?.operationId, 'platform.version');
  });

  it('an unknown path answers 404 problem+json', async () => {
    const res = await call('/no/such/route');

    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assertProblem(res.json, 404);
    assert.equal(res.json?.correlationId, res.headers.get('x-correlation-id'));
  });

  it('a known path with an undeclared method answers 405 with Allow', async () => {
    const res = await call('/health', { method: 'DELETE' });

    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, OPTIONS');
    assertProblem(res.json, 405);
  });

  it('the API root answers 404 problem+json', async () => {
    const res = await call('/');

    assert.equal(res.status, 404);
    assertProblem(res.json, 404);
  });

  it('answers a CORS preflight', async () => {
    const res = await call('/health', {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'GET' },
    });

    assert.ok(res.status === 200 || res.status === 204, `preflight status ${res.status}`);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  });
});
