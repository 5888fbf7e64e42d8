import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { windowAt, windowMinutes } from '#functions/monitoring/domain/window.ts';
import {
  authorizerContext,
  headersOf,
  type Invoke,
  invoker,
  jsonOf,
  quietPowertools,
  restEvent,
} from '../../support/apigw.ts';

let metricsHandler: Invoke;

before(async () => {
  quietPowertools();
  const { functionEnvironment } = await import('../../support/function-env.ts');
  Object.assign(process.env, functionEnvironment());
  metricsHandler = invoker((await import('#functions/monitoring/handlers/metrics.ts')).handler);
});

describe('metrics window', () => {
  it('takes 1m to 24h in minutes or hours', () => {
    assert.equal(windowMinutes('1m'), 1);
    assert.equal(windowMinutes('15m'), 15);
    assert.equal(windowMinutes('2h'), 120);
    assert.equal(windowMinutes('24h'), 1440);
    assert.equal(windowMinutes('1440m'), 1440);
    for (const invalid of ['0m', '25h', '1441m', '15', '15s', '1d', '-5m', ' 5m', '05m', '1.5h', '']) {
      assert.equal(windowMinutes(invalid), undefined, invalid);
    }
  });

  it('covers the whole minutes before now and the current one so far', () => {
    const now = Date.UTC(2030, 0, 1, 12, 10, 15);

    const window = windowAt(3, now);

    assert.deepEqual(window.minutes, [now / 60_000 - 2.25, now / 60_000 - 1.25, now / 60_000 - 0.25]);
    assert.equal(window.seconds, 135);
    assert.equal(windowAt(1, Date.UTC(2030, 0, 1, 12, 10, 0)).seconds, 1);
  });

  it('answers an invalid window with a 400 problem before reading anything', async () => {
    const event = (window: string) =>
      restEvent({
        path: '/v1/monitoring/metrics',
        query: { window },
        authorizer: authorizerContext({ id: 'u-1', permissions: ['monitoring:read'] }),
      });

    for (const window of ['25h', '0m', 'week']) {
      const response = await metricsHandler(event(window));
      assert.equal(response.statusCode, 400, window);
      assert.equal(headersOf(response)['content-type'], 'application/problem+json');
      const errors = jsonOf(response).errors as { path: string }[];
      assert.deepEqual(
        errors.map((e) => e.path),
        ['query.window'],
      );
    }
  });
});
