import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { defineRoute } from '#shared/http/route.ts';
import { headersOf, type Invoke, invoker, quietPowertools, restEvent } from '../../support/apigw.ts';

const APP = 'https://app.nimbus.example';
const ADMIN = 'https://admin.nimbus.example';

const ping = defineRoute({
  id: 'test.ping',
  method: 'GET',
  path: '/v1/ping',
  handler: 'functions/test/handlers/ping.ts',
  summary: 'Ping',
  tags: ['test'],
  auth: 'public',
  permission: null,
  rateLimit: [],
  cache: null,
  responses: { 200: { description: 'Pong' } },
});

describe('httpHandler with a hand-written NIMBUS_CORS_ORIGINS list', () => {
  let invoke: Invoke;

  before(async () => {
    quietPowertools();
    // What an operator may type: spaces after commas, a trailing comma. Read once at module scope.
    process.env.NIMBUS_CORS_ORIGINS = ` ${APP}, ${ADMIN} ,`;
    const { httpHandler } = await import('#shared/http/pipeline.ts');
    invoke = invoker(httpHandler(ping, async () => ({ body: { pong: true } })));
  });

  it('allows each listed origin despite the surrounding whitespace', async () => {
    for (const origin of [APP, ADMIN]) {
      const response = await invoke(restEvent({ path: '/v1/ping', headers: { Origin: origin } }));

      assert.equal(headersOf(response)['access-control-allow-origin'], origin);
    }
  });

  it('does not treat the empty entry as an allowed (empty) origin', async () => {
    const response = await invoke(restEvent({ path: '/v1/ping', headers: { Origin: '' } }));

    assert.equal(headersOf(response)['access-control-allow-origin'], undefined);
  });
});
