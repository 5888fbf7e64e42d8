import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { z } from 'zod';
import { CORS_EXPOSED_HEADERS, corsHeaders } from '#shared/http/headers.ts';
import { defineRoute } from '#shared/http/route.ts';
import { headersOf, type Invoke, invoker, quietPowertools, restEvent } from '../../support/apigw.ts';

const APP = 'https://app.nimbus.example';
const ADMIN = 'https://admin.nimbus.example';
const EVIL = 'https://app.nimbus.example.evil.test';

describe('corsHeaders', () => {
  it('allows any origin when the list contains *', () => {
    const headers = corsHeaders(['*'], 'https://anything.test');

    assert.equal(headers['Access-Control-Allow-Origin'], '*');
    assert.equal(headers['Access-Control-Expose-Headers'], CORS_EXPOSED_HEADERS);
  });

  it('echoes an allowed origin and varies on Origin', () => {
    const headers = corsHeaders([APP, ADMIN], ADMIN);

    assert.equal(headers['Access-Control-Allow-Origin'], ADMIN);
    assert.equal(headers.Vary, 'Origin');
    assert.match(headers['Access-Control-Expose-Headers'] ?? '', /x-correlation-id/);
  });

  it('gives no Allow-Origin to an origin outside the list, even one that starts like an allowed one', () => {
    for (const origin of [EVIL, 'http://app.nimbus.example', 'null']) {
      const headers = corsHeaders([APP], origin);

      assert.equal(headers['Access-Control-Allow-Origin'], undefined, origin);
      assert.equal(headers.Vary, 'Origin');
    }
  });

  it('gives no Allow-Origin to a request without an Origin header', () => {
    const headers = corsHeaders([APP], undefined);

    assert.deepEqual(headers, { Vary: 'Origin' });
  });

  it('exposes the headers clients need to read (correlation id, rate limits, Retry-After, ETag)', () => {
    for (const name of ['x-correlation-id', 'RateLimit-Remaining', 'Retry-After', 'ETag']) {
      assert.ok(CORS_EXPOSED_HEADERS.split(', ').includes(name), name);
    }
  });
});

describe('httpHandler with NIMBUS_CORS_ORIGINS restricted', () => {
  const echo = defineRoute({
    id: 'test.echo',
    method: 'POST',
    path: '/v1/echo',
    handler: 'functions/test/handlers/echo.ts',
    summary: 'Echo',
    tags: ['test'],
    auth: 'public',
    permission: null,
    rateLimit: [],
    cache: null,
    request: { body: z.object({ message: z.string() }) },
    responses: { 200: { description: 'Echo' } },
  });
  let invoke: Invoke;

  before(async () => {
    quietPowertools();
    // Read once at module scope by the pipeline, as FeatureFunction sets it from the stage config.
    process.env.NIMBUS_CORS_ORIGINS = [APP, ADMIN].join(',');
    const { httpHandler } = await import('#shared/http/pipeline.ts');
    invoke = invoker(httpHandler(echo, async (request) => ({ body: request.body })));
  });

  const event = (origin: string | undefined, json: unknown) =>
    restEvent({
      method: 'POST',
      path: '/v1/echo',
      json,
      headers: origin === undefined ? {} : { Origin: origin },
    });

  it('echoes each allowed origin on a success', async () => {
    for (const origin of [APP, ADMIN]) {
      const response = await invoke(event(origin, { message: 'hi' }));

      assert.equal(response.statusCode, 200);
      assert.equal(headersOf(response)['access-control-allow-origin'], origin);
      assert.equal(headersOf(response).vary, 'Origin');
    }
  });

  it('echoes an allowed origin on an error response too', async () => {
    const response = await invoke(event(APP, { message: 42 }));

    assert.equal(response.statusCode, 400);
    assert.equal(headersOf(response)['access-control-allow-origin'], APP);
  });

  it('gives a foreign origin no Allow-Origin header', async () => {
    const response = await invoke(event(EVIL, { message: 'hi' }));

    assert.equal(response.statusCode, 200);
    assert.equal(headersOf(response)['access-control-allow-origin'], undefined);
    assert.equal(headersOf(response).vary, 'Origin');
  });

  it('never answers * when the list is restricted', async () => {
    const response = await invoke(event(undefined, { message: 'hi' }));

    assert.equal(headersOf(response)['access-control-allow-origin'], undefined);
  });
});
