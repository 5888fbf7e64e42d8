import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { capturedLambdaLogs, findInCapturedLogs } from '../support/captured-logs.ts';
import { call } from '../support/stack.ts';

// The helper the GDPR e2e test scans logs with, against the running local stack: a request to a
// deployed function shows up in that function's captured log group.
describe('captured Lambda logs (local stack)', () => {
  it('reads back what a deployed function wrote, and finds a needle only where it is', async () => {
    const since = Date.now() - 1_000;
    const correlationId = randomUUID();

    const response = await call('/version', { headers: { 'x-correlation-id': correlationId } });
    assert.equal(response.status, 200);

    let events: Awaited<ReturnType<typeof capturedLambdaLogs>> = [];
    for (let attempt = 0; attempt < 20 && events.length === 0; attempt++) {
      events = (await capturedLambdaLogs({ since })).filter((event) => /Version/i.test(event.group));
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(events.length > 0, 'the /version function wrote at least its START line');
    assert.ok(events.every((event) => event.timestamp >= since));
    const requestId = /RequestId: ([\w-]+)/.exec(events[0]?.message ?? '')?.[1] ?? '';
    assert.notEqual(requestId, '');
    const found = await findInCapturedLogs([requestId.toUpperCase(), `never-logged-${randomUUID()}`], {
      since,
    });
    assert.ok(found.length > 0 && found.every((leak) => leak.needle === requestId.toUpperCase()));
  });
});
