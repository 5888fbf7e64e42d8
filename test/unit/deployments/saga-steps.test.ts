import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as saga from '../../../functions/deployments/use-cases/saga.ts';
import { aDeployment, aStackVersion, aTarget } from '../../support/deployment-fakes.ts';
import { sagaWorld } from '../../support/deployment-world.ts';

function world(overrides: { template?: string } = {}) {
  const target = aTarget();
  const deployment = aDeployment({ targetId: target.id });
  const version = aStackVersion(overrides.template === undefined ? {} : { template: overrides.template });
  const w = sagaWorld({ deployment, target, version });
  const input = { deploymentId: deployment.id, correlationId: deployment.correlationId };
  return { ...w, input, target };
}

async function forward(w: ReturnType<typeof world>) {
  assert.deepEqual(await saga.validate(w.deps, w.input), { ok: true });
  assert.deepEqual(await saga.lock(w.deps, w.input), { ok: true });
  assert.deepEqual(await saga.render(w.deps, w.input), { ok: true });
  assert.deepEqual(await saga.deploy(w.deps, { ...w.input, taskToken: 'tok-1' }), { waiting: false });
}

describe('deployment saga steps', () => {
  it('runs a deployment to succeeded: version recorded, lock released, events in order', async () => {
    const w = world();

    await forward(w);
    assert.deepEqual(await saga.healthCheck(w.deps, w.input), { ok: true });
    assert.deepEqual(await saga.commit(w.deps, w.input), { ok: true });

    const d = w.deployment();
    assert.equal(d.status, 'succeeded');
    assert.deepEqual(d.completedSteps, ['validate', 'lock', 'render', 'deploy', 'healthCheck', 'commit']);
    assert.ok(d.finishedAt !== null);
    assert.equal(w.locks.size, 0);
    assert.deepEqual([...w.lastGood.values()], [{ version: 3, deploymentId: d.id }]);
    assert.deepEqual(w.resolved, [{ token: 'tok-1', output: { ok: true } }]);
    assert.deepEqual(w.circuitCalls, [`success:${w.target.id}`]);
    assert.deepEqual(w.events().slice(-3), [
      ['deployments.step.started', 'commit'],
      ['deployments.step.succeeded', 'commit'],
      ['deployments.succeeded', null],
    ]);
    assert.deepEqual(
      w.published.map((m) => m.topic),
      w.events().map(([type]) => type),
    );
    assert.equal(w.published[0]?.orgId, 'org-1');
  });

  it('does not repeat a completed step, its events or its driver call when retried', async () => {
    const w = world();
    await forward(w);
    const events = w.events().length;

    assert.deepEqual(await saga.validate(w.deps, w.input), { ok: true });
    await saga.deploy(w.deps, { ...w.input, taskToken: 'tok-2' });

    assert.equal(w.events().length, events);
    assert.deepEqual(w.driverCalls, ['deploy']);
    // The retried deploy invocation's new token is resolved at once, or the machine would wait for ever.
    assert.deepEqual(w.resolved.at(-1), { token: 'tok-2', output: { ok: true } });
  });

  it('fails validation fast while the target circuit is open', async () => {
    const w = world();
    w.openCircuit();

    const result = await saga.validate(w.deps, w.input);

    assert.deepEqual(result, {
      ok: false,
      step: 'validate',
      reason: "the target's circuit is open; retry after 30 s",
    });
  });

  it('names every placeholder without a value', async () => {
    const w = world({ template: '{{image}} {{ port }} {{host}}' });
    await saga.validate(w.deps, w.input);
    await saga.lock(w.deps, w.input);

    const result = await saga.render(w.deps, w.input);

    assert.deepEqual(result, {
      ok: false,
      step: 'render',
      reason: 'the configuration has no value for the placeholders port, host',
    });
  });

  it('leaves an accepted deployment waiting with its token stored, and resolves it on the callback', async () => {
    const w = world();
    w.answers.deploy = { status: 'accepted' };
    await saga.validate(w.deps, w.input);
    await saga.lock(w.deps, w.input);
    await saga.render(w.deps, w.input);

    assert.deepEqual(await saga.deploy(w.deps, { ...w.input, taskToken: 'tok-1' }), { waiting: true });
    assert.deepEqual(w.resolved, []);
    assert.deepEqual(w.tokens.get(w.input.deploymentId), { step: 'deploy', token: 'tok-1' });

    assert.equal(
      await saga.resolveDeployCallback(w.deps, w.input.deploymentId, {
        status: 'failed',
        message: 'pull failed',
      }),
      true,
    );
    assert.deepEqual(w.resolved, [
      { token: 'tok-1', output: { ok: false, step: 'deploy', reason: 'pull failed' } },
    ]);
    assert.deepEqual(w.circuitCalls, [`failure:${w.target.id}`]);
    assert.equal(w.tokens.size, 0);
    assert.equal(
      await saga.resolveDeployCallback(w.deps, w.input.deploymentId, {
        status: 'succeeded',
        message: 'late',
      }),
      false,
    );
  });

  it('rolls back after a failed health check: undo once, lock released once, status rolled_back', async () => {
    const w = world();
    w.answers.health = { status: 'failed', message: 'no answer on /health' };
    await forward(w);
    const health = await saga.healthCheck(w.deps, w.input);
    assert.equal(health.ok, false);

    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await saga.undoDeploy(w.deps, w.input), { ok: true });
      assert.deepEqual(await saga.releaseLock(w.deps, w.input), { ok: true });
    }
    const finished = await saga.finish(w.deps, {
      ...w.input,
      failure: { ok: false, step: 'healthCheck', reason: 'no answer on /health' },
    });

    assert.deepEqual(finished, { ok: true, status: 'rolled_back' });
    assert.deepEqual(w.driverCalls, ['deploy', 'health', 'undo']);
    const d = w.deployment();
    assert.deepEqual(d.compensations, ['undoDeploy', 'releaseLock']);
    assert.equal(d.reason, 'no answer on /health');
    assert.equal(w.locks.size, 0);
    assert.deepEqual(w.events().slice(-4), [
      ['deployments.step.failed', 'healthCheck'],
      ['deployments.compensation.ran', 'deploy'],
      ['deployments.compensation.ran', 'lock'],
      ['deployments.rolled_back', null],
    ]);
    // Finish again (a retry): nothing changes.
    const events = w.events().length;
    await saga.finish(w.deps, { ...w.input, failure: { ok: false, step: 'healthCheck', reason: 'x' } });
    assert.equal(w.events().length, events);
  });

  it('marks failed when the target could not be restored', async () => {
    const w = world();
    w.answers.deploy = { status: 'failed', message: 'disk full' };
    w.answers.undo = { status: 'failed', message: 'agent gone' };
    await saga.validate(w.deps, w.input);
    await saga.lock(w.deps, w.input);
    await saga.render(w.deps, w.input);
    await saga.deploy(w.deps, { ...w.input, taskToken: 'tok-1' });

    assert.equal((await saga.undoDeploy(w.deps, w.input)).ok, false);
    await saga.releaseLock(w.deps, w.input);
    const finished = await saga.finish(w.deps, {
      ...w.input,
      failure: { ok: false, step: 'deploy', reason: 'disk full' },
    });

    assert.deepEqual(finished, { ok: true, status: 'failed' });
    assert.equal(w.deployment().reason, 'disk full; the target could not be restored');
    assert.deepEqual(w.resolved, [
      { token: 'tok-1', output: { ok: false, step: 'deploy', reason: 'disk full' } },
    ]);
  });

  it('marks failed with nothing to compensate when validation fails, and releases a lock a failed lock step took', async () => {
    const w = world();
    await saga.validate(w.deps, w.input);
    // The lock was taken but the step then failed (e.g. its event could not be written).
    await w.deps.deployments.acquireLock({
      stackId: 'stack-1',
      environmentId: 'env-1',
      deploymentId: w.input.deploymentId,
      acquiredAt: 'now',
      expiresAt: 'later',
    });

    const finished = await saga.finish(w.deps, {
      ...w.input,
      failure: {
        ok: false,
        step: 'lock',
        error: 'Runtime.HandlerError',
        cause: '{"errorMessage":"internal detail"}',
      },
    });

    assert.equal(w.locks.size, 0);
    // Only the lock was given back: the target was never touched, so nothing was rolled back.
    assert.deepEqual(finished, { ok: true, status: 'failed' });
    assert.deepEqual(w.deployment().compensations, ['releaseLock']);
    assert.equal(w.deployment().reason, 'the lock step failed after its retries');
  });

  it('counts a callback timeout against the target circuit', async () => {
    const w = world();
    await forward(w);

    await saga.finish(w.deps, {
      ...w.input,
      failure: { ok: false, step: 'deploy', error: 'States.Timeout', cause: '' },
    });

    assert.deepEqual(w.circuitCalls.at(-1), `failure:${w.target.id}`);
    assert.equal(
      w.deployment().reason,
      'the target did not report the outcome of the deployment in time; the target could not be restored',
    );
  });

  it('cancels: wakes the waiting deploy step, stops the next step, ends cancelled', async () => {
    const w = world();
    w.answers.deploy = { status: 'accepted' };
    await saga.validate(w.deps, w.input);
    await saga.lock(w.deps, w.input);
    await saga.render(w.deps, w.input);
    await saga.deploy(w.deps, { ...w.input, taskToken: 'tok-1' });

    await saga.requestCancel(w.deps, w.input.deploymentId, 'cancelled by user-1');

    assert.deepEqual(w.resolved, [
      { token: 'tok-1', output: { ok: false, step: 'deploy', reason: 'cancelled by user-1' } },
    ]);
    assert.deepEqual(await saga.healthCheck(w.deps, w.input), {
      ok: false,
      step: 'healthCheck',
      reason: 'cancelled by user-1',
    });
    await saga.undoDeploy(w.deps, w.input);
    await saga.releaseLock(w.deps, w.input);
    const finished = await saga.finish(w.deps, {
      ...w.input,
      failure: { ok: false, step: 'deploy', reason: 'cancelled by user-1' },
    });
    assert.deepEqual(finished, { ok: true, status: 'cancelled' });
    assert.equal(w.locks.size, 0);
    assert.deepEqual(w.events().at(-1), ['deployments.cancelled', null]);
  });
});
