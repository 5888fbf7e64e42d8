import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from '@upstash/redis';
import { circuitKey, redisTargetCircuit } from '../../../functions/deployments/store/circuit.ts';
import { redisSettingsFromEnv } from '../../../functions/shared/config/redis.ts';

// The real Lua scripts on the shared stack's Redis (through the Upstash bridge), with a clock the
// test moves: a 1 s cool-down passes without sleeping. Every target id is fresh to this run.
const { restUrl, token } = redisSettingsFromEnv();
const redis = new Redis({ url: restUrl, token: token ?? '', enableTelemetry: false });
const created: string[] = [];

function world() {
  const targetId = `it-${randomUUID()}`;
  created.push(targetId);
  let clock = Date.now();
  const circuit = redisTargetCircuit(
    async () => redis,
    { failureThreshold: 5, cooldownSeconds: 1 },
    () => clock,
  );
  return { targetId, circuit, advance: (ms: number) => (clock += ms) };
}

after(async () => {
  if (created.length > 0) await redis.del(...created.map(circuitKey));
});

describe('target circuit breaker (Redis)', () => {
  it('stays closed through four failures and opens at the fifth', async () => {
    const { targetId, circuit } = world();
    for (let i = 1; i <= 4; i++) {
      const state = await circuit.recordFailure(targetId);
      assert.deepEqual(state, { state: 'closed', failures: i, openUntil: null });
      assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: false });
    }

    const opened = await circuit.recordFailure(targetId);

    assert.equal(opened.state, 'open');
    assert.equal(opened.failures, 5);
    assert.ok(opened.openUntil !== null);
    assert.deepEqual(await circuit.state(targetId), opened);
  });

  it('fails fast with a reason and a retry-after while open', async () => {
    const { targetId, circuit, advance } = world();
    for (let i = 0; i < 5; i++) await circuit.recordFailure(targetId);
    advance(400);

    const decision = await circuit.allow(targetId);

    assert.equal(decision.allowed, false);
    assert.ok(!decision.allowed);
    assert.equal(decision.retryAfterSeconds, 1);
    assert.match(decision.reason, /circuit is open/);
  });

  it('half-opens after the cool-down and lets exactly one trial through', async () => {
    const { targetId, circuit, advance } = world();
    for (let i = 0; i < 5; i++) await circuit.recordFailure(targetId);
    advance(1_001);
    assert.equal((await circuit.state(targetId)).state, 'half-open');

    const decisions = await Promise.all([1, 2, 3, 4].map(() => circuit.allow(targetId)));

    assert.deepEqual(
      decisions.filter((d) => d.allowed),
      [{ allowed: true, trial: true }],
    );
    for (const refused of decisions.filter((d) => !d.allowed))
      assert.match(!refused.allowed ? refused.reason : '', /trial deployment is in progress/);
  });

  it('closes and resets the count when the trial succeeds', async () => {
    const { targetId, circuit, advance } = world();
    for (let i = 0; i < 5; i++) await circuit.recordFailure(targetId);
    advance(1_001);
    await circuit.allow(targetId);

    await circuit.recordSuccess(targetId);

    assert.deepEqual(await circuit.state(targetId), { state: 'closed', failures: 0, openUntil: null });
    assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: false });
    // Four failures again do not open it: the count started over.
    for (let i = 0; i < 4; i++) await circuit.recordFailure(targetId);
    assert.equal((await circuit.state(targetId)).state, 'closed');
  });

  it('opens again for a full cool-down when the trial fails', async () => {
    const { targetId, circuit, advance } = world();
    for (let i = 0; i < 5; i++) await circuit.recordFailure(targetId);
    advance(1_001);
    assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: true });

    const reopened = await circuit.recordFailure(targetId);

    assert.equal(reopened.state, 'open');
    const refused = await circuit.allow(targetId);
    assert.equal(refused.allowed, false);
    advance(1_001);
    assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: true });
  });

  it('gives a new trial once an unfinished one has held its slot for a cool-down', async () => {
    const { targetId, circuit, advance } = world();
    for (let i = 0; i < 5; i++) await circuit.recordFailure(targetId);
    advance(1_001);
    assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: true });
    assert.equal((await circuit.allow(targetId)).allowed, false);

    advance(1_001);

    assert.deepEqual(await circuit.allow(targetId), { allowed: true, trial: true });
  });
});
