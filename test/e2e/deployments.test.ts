import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from '../../functions/shared/clients/secrets.ts';
import { STAGE_CONFIGS } from '../../lib/config/stages.ts';
import { type Agent, signBody, startAgent } from '../support/deploy-agent.ts';
import { bearer, json, loginAs, registerUser } from '../support/identity.ts';
import { type ApiResponse, call } from '../support/stack.ts';

/**
 * Deployment sagas end to end on the local stack: over HTTP, through the deployed state machine,
 * the real event queue and a real agent on this machine that checks every signature and, when
 * scripted so, calls back later.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'cancelled']);
const PREFIX = 'nimbus/local/deployments/';

interface Tenant {
  readonly token: string;
  readonly orgId: string;
  readonly headers: Record<string, string>;
}

async function tenant(tag: string): Promise<Tenant> {
  const { email } = await registerUser(tag);
  const tokens = await loginAs(email);
  const me = await call('/v1/me', { headers: bearer(tokens.accessToken) });
  assert.equal(me.status, 200, me.text);
  const orgId = String(me.json?.orgId);
  const org = await call('/v1/organizations', json({ name: `Org ${tag}` }, bearer(tokens.accessToken)));
  assert.equal(org.status, 201, org.text);
  return { token: tokens.accessToken, orgId, headers: bearer(tokens.accessToken) };
}

const post = (t: Tenant, path: string, body: unknown) => call(path, json(body, t.headers));
const get = (t: Tenant, path: string) => call(path, { headers: t.headers });

function created(res: ApiResponse, status = 201): Record<string, unknown> {
  assert.equal(res.status, status, res.text);
  return res.json ?? {};
}

/** An environment with one webhook target pointing at `agent`, and a two-version stack. */
async function estate(t: Tenant, agent: Agent, secretName: string) {
  const env = created(
    await post(t, `/v1/organizations/${t.orgId}/environments`, { name: 'staging', type: 'staging' }),
  );
  const target = created(
    await post(t, `/v1/environments/${env.id}/targets`, {
      name: 'vm-1',
      kind: 'vm',
      driver: 'webhook',
      endpoint: agent.url,
      credentialsSecret: secretName,
    }),
  );
  const stack = created(
    await post(t, `/v1/organizations/${t.orgId}/stacks`, {
      name: `web-${randomUUID().slice(0, 6)}`,
      template: 'image={{image}} replicas={{replicas}}',
      configuration: { image: 'nginx:1.25', replicas: '2' },
    }),
  );
  return { envId: String(env.id), targetId: String(target.id), stackId: String(stack.id) };
}

/** Follows the live log with long polls until the deployment ends; every event, in order. */
async function follow(t: Tenant, deploymentId: string, timeoutMs = 60_000) {
  const events: {
    seq: number;
    type: string;
    step: string | null;
    message: string;
    data: Record<string, unknown>;
  }[] = [];
  let cursor = 0;
  let status = 'pending';
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  while (Date.now() < deadline) {
    polls += 1;
    const res = await get(t, `/v1/deployments/${deploymentId}/events?after=${cursor}&waitSeconds=10`);
    assert.equal(res.status, 200, res.text);
    const items = (res.json?.items ?? []) as typeof events;
    events.push(...items);
    cursor = Number(res.json?.nextCursor);
    status = String(res.json?.status);
    if (TERMINAL.has(status) && items.length === 0) break;
    // Let a few events gather between polls: a saga writes several within a second.
    if (items.length > 0) await sleep(1000);
  }
  const final = await get(t, `/v1/deployments/${deploymentId}`);
  assert.equal(final.status, 200, final.text);
  return { events, deployment: final.json ?? {}, polls };
}

describe('deployment sagas on the local stack', () => {
  // One tenant (organisation and user) per test: each has its own rate-limit budget.
  let t: Tenant;
  let agent: Agent;
  let secretName: string;
  const key = randomBytes(32).toString('hex');

  beforeEach(async () => {
    t = await tenant('deployer');
  });

  before(async () => {
    secretName = `${PREFIX}e2e-${randomUUID()}`;
    await secretsManager.send(new CreateSecretCommand({ Name: secretName, SecretString: key }));
    agent = await startAgent(key, async (deploymentId, body, headers) => {
      const res = await call(`/v1/deployments/${deploymentId}/callback`, { method: 'POST', headers, body });
      assert.equal(res.status, 202, res.text);
    });
  });

  after(async () => {
    await agent?.close();
    await secretsManager.send(
      new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }),
    );
  });

  it('deploys: the agent accepts, calls back signed, the health check passes, the saga commits', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'later', status: 'succeeded', afterMs: 1500 });
    const accepted = created(
      await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
      202,
    );
    assert.equal(accepted.status, 'pending');
    assert.equal(accepted.version, 1);
    const links = accepted._links as Record<string, { href: string }>;
    assert.equal(links.events?.href, `/v1/deployments/${accepted.id}/events`);
    assert.deepEqual(
      (accepted._actions as { name: string }[]).map((a) => a.name),
      ['cancel'],
    );

    const { events, deployment } = await follow(t, String(accepted.id));
    assert.equal(deployment.status, 'succeeded', JSON.stringify(events));
    assert.deepEqual(deployment.completedSteps, [
      'validate',
      'lock',
      'render',
      'deploy',
      'healthCheck',
      'commit',
    ]);
    assert.deepEqual(deployment.compensations, []);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'the log has every event once, in order',
    );
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'deployments.requested');
    // The deploy step waited for the agent, and its callback completed it.
    const waiting = events.findIndex((e) => e.type === 'deployments.step.waiting' && e.step === 'deploy');
    assert.ok(waiting > 0, types.join(','));
    assert.equal(events[waiting + 1]?.type, 'deployments.step.succeeded');
    assert.equal(events[waiting + 1]?.step, 'deploy');
    assert.equal(types.at(-1), 'deployments.succeeded');
    assert.deepEqual(
      (deployment._actions as { name: string }[]).map((a) => a.name),
      ['rollback', 'redeploy'],
    );

    const calls = agent.requests.filter((r) => r.deploymentId === accepted.id);
    assert.deepEqual(
      calls.map((r) => r.action),
      ['deploy', 'health'],
    );
    assert.ok(calls.every((r) => r.signatureValid));
    assert.match(JSON.stringify(calls[0]?.rendered), /image=nginx:1\.25 replicas=2/);
    // The lock is free again: a second deployment is accepted.
    agent.script('deploy', { kind: 'now', status: 'succeeded' });
    const again = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
    assert.equal((await follow(t, String(again.id))).deployment.status, 'succeeded');
  });

  it('compensates a failed health check in reverse: undo on the target, then the lock', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'now', status: 'succeeded' });
    agent.script('health', { kind: 'now', status: 'failed', message: 'readiness probe failed' });
    try {
      const accepted = created(
        await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
        202,
      );
      const { events, deployment } = await follow(t, String(accepted.id));
      assert.equal(deployment.status, 'rolled_back', JSON.stringify(events));
      assert.deepEqual(deployment.completedSteps, ['validate', 'lock', 'render', 'deploy']);
      assert.deepEqual(deployment.compensations, ['undoDeploy', 'releaseLock']);
      assert.match(String(deployment.reason), /readiness probe failed/);
      const calls = agent.requests.filter((r) => r.deploymentId === accepted.id).map((r) => r.action);
      assert.deepEqual(calls, ['deploy', 'health', 'undo']);
      const compensationEvents = events.filter((e) => e.type === 'deployments.compensation.ran');
      assert.deepEqual(
        compensationEvents.map((e) => e.data.compensation),
        ['undoDeploy', 'releaseLock'],
      );
      // Released: the next deployment is accepted.
      agent.script('health', { kind: 'now', status: 'succeeded' });
      const next = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
      assert.equal((await follow(t, String(next.id))).deployment.status, 'succeeded');
    } finally {
      agent.script('health', { kind: 'now', status: 'succeeded' });
    }
  });

  it('accepts exactly one of two concurrent deployments of the same stack and environment (409)', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'later', status: 'succeeded', afterMs: 2000 });
    const [a, b] = await Promise.all([
      post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
      post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [202, 409], `${a.text} ${b.text}`);
    const refused = a.status === 409 ? a : b;
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
    const winner = (a.status === 202 ? a : b).json ?? {};
    assert.equal((await follow(t, String(winner.id))).deployment.status, 'succeeded');
  });

  it('cancels while the agent works: the step is failed at once, undone on the target, marked cancelled', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'silent' });
    try {
      const accepted = created(
        await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
        202,
      );
      // Wait until the agent got the deploy (the step is waiting for its callback).
      for (let i = 0; i < 60 && !agent.requests.some((r) => r.deploymentId === accepted.id); i += 1)
        await sleep(250);
      const cancel = await post(t, `/v1/deployments/${accepted.id}/cancel`, {});
      assert.equal(cancel.status, 202, cancel.text);
      const { deployment } = await follow(t, String(accepted.id));
      assert.equal(deployment.status, 'cancelled');
      assert.deepEqual(deployment.compensations, ['undoDeploy', 'releaseLock']);
      const calls = agent.requests.filter((r) => r.deploymentId === accepted.id).map((r) => r.action);
      assert.deepEqual(calls, ['deploy', 'undo']);
      const late = await post(t, `/v1/deployments/${accepted.id}/cancel`, {});
      assert.equal(late.status, 409, late.text);
    } finally {
      agent.script('deploy', { kind: 'now', status: 'succeeded' });
    }
  });

  it('fails the deploy step when the agent never calls back, and compensates', async () => {
    const { envId, stackId, targetId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'silent' });
    try {
      const d = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
      const timeoutMs = STAGE_CONFIGS.local.deployments.callbackTimeoutSeconds * 1000;
      const { deployment } = await follow(t, String(d.id), timeoutMs + 60_000);
      assert.equal(deployment.status, 'rolled_back');
      assert.match(String(deployment.reason), /did not report the outcome of the deployment in time/);
      assert.deepEqual(deployment.compensations, ['undoDeploy', 'releaseLock']);
      const calls = agent.requests.filter((r) => r.deploymentId === d.id).map((r) => r.action);
      assert.deepEqual(calls, ['deploy', 'undo']);
      // The silence counts against the target's circuit.
      const target = await get(t, `/v1/targets/${targetId}`);
      assert.equal((target.json?.circuit as { failures?: number } | undefined)?.failures, 1, target.text);
    } finally {
      agent.script('deploy', { kind: 'now', status: 'succeeded' });
    }
  });

  it('rolls back to the last good version', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'now', status: 'succeeded' });
    const v1 = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
    assert.equal((await follow(t, String(v1.id))).deployment.status, 'succeeded');
    const stack = await get(t, `/v1/stacks/${stackId}`);
    const update = await call(`/v1/stacks/${stackId}`, {
      method: 'PUT',
      headers: {
        ...t.headers,
        'content-type': 'application/json',
        'if-match': stack.headers.get('etag') ?? '',
      },
      body: JSON.stringify({ template: 'image={{image}}', configuration: { image: 'nginx:1.27' } }),
    });
    assert.equal(update.status, 200, update.text);
    const v2 = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
    assert.equal(v2.version, 2);
    assert.equal((await follow(t, String(v2.id))).deployment.status, 'succeeded');

    const rollback = created(await post(t, `/v1/stacks/${stackId}/rollback`, { environmentId: envId }), 202);
    assert.equal(rollback.kind, 'rollback');
    assert.equal(rollback.version, 1);
    assert.equal((await follow(t, String(rollback.id))).deployment.status, 'succeeded');
    const deployed = agent.requests.filter((r) => r.deploymentId === rollback.id && r.action === 'deploy');
    assert.match(JSON.stringify(deployed[0]?.rendered), /nginx:1\.25/);

    // The stack's deployments, newest first, a page at a time; a forged cursor is a 400, not a 500.
    const first = await get(t, `/v1/stacks/${stackId}/deployments?limit=2`);
    assert.equal(first.status, 200, first.text);
    const page = first.json as { items: { id: string }[]; nextCursor: string | null };
    assert.deepEqual(
      page.items.map((d) => d.id),
      [rollback.id, v2.id],
    );
    assert.ok(page.nextCursor);
    const second = await get(
      t,
      `/v1/stacks/${stackId}/deployments?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`,
    );
    assert.deepEqual(
      (second.json as { items: { id: string }[] }).items.map((d) => d.id),
      [v1.id],
    );
    const forged = await get(
      t,
      `/v1/stacks/${stackId}/deployments?cursor=${encodeURIComponent(Buffer.from('{"pk":"x"}').toString('base64url'))}`,
    );
    assert.equal(forged.status, 400, forged.text);
    assert.match(forged.text, /query\.cursor/);
  });

  it('opens the circuit after repeated failures, fails fast, and recovers after the cool-down', async () => {
    const { envId, stackId, targetId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'http-error', code: 503 });
    try {
      for (let i = 0; i < 5; i += 1) {
        const d = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
        const { deployment } = await follow(t, String(d.id));
        assert.notEqual(deployment.status, 'succeeded');
      }
      const open = await get(t, `/v1/targets/${targetId}`);
      assert.equal((open.json?.circuit as { state?: string } | undefined)?.state, 'open', open.text);
      const before = agent.requests.length;
      const fast = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
      const { deployment } = await follow(t, String(fast.id));
      assert.equal(deployment.status, 'failed');
      assert.match(String(deployment.reason), /circuit/);
      assert.deepEqual(deployment.completedSteps, []);
      assert.equal(agent.requests.length, before, 'an open circuit never calls the agent');

      agent.script('deploy', { kind: 'now', status: 'succeeded' });
      await sleep(STAGE_CONFIGS.local.deployments.circuitCooldownSeconds * 1000 + 500);
      const trial = created(
        await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
        202,
      );
      assert.equal((await follow(t, String(trial.id))).deployment.status, 'succeeded');
      const closed = await get(t, `/v1/targets/${targetId}`);
      assert.equal((closed.json?.circuit as { state?: string } | undefined)?.state, 'closed', closed.text);
    } finally {
      agent.script('deploy', { kind: 'now', status: 'succeeded' });
    }
  });

  it('refuses a callback that is not signed with the target key, and one nobody waits for', async () => {
    const { envId, stackId } = await estate(t, agent, secretName);
    agent.script('deploy', { kind: 'silent' });
    try {
      const accepted = created(
        await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }),
        202,
      );
      for (let i = 0; i < 60 && !agent.requests.some((r) => r.deploymentId === accepted.id); i += 1)
        await sleep(250);
      const body = JSON.stringify({ status: 'succeeded' });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const forged = await call(`/v1/deployments/${accepted.id}/callback`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-nimbus-timestamp': timestamp,
          'x-nimbus-signature': signBody('not-the-key', timestamp, body),
        },
        body,
      });
      assert.equal(forged.status, 401, forged.text);
      const good = { 'x-nimbus-timestamp': timestamp, 'x-nimbus-signature': signBody(key, timestamp, body) };
      const ok = await call(`/v1/deployments/${accepted.id}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...good },
        body,
      });
      assert.equal(ok.status, 202, ok.text);
      const replay = await call(`/v1/deployments/${accepted.id}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...good },
        body,
      });
      assert.equal(replay.status, 409, replay.text);
      assert.equal((await follow(t, String(accepted.id))).deployment.status, 'succeeded');
    } finally {
      agent.script('deploy', { kind: 'now', status: 'succeeded' });
    }
  });

  it("fans the events out through the queue to the organisation's webhook, signed with its key", async () => {
    const notifyKey = randomBytes(32).toString('hex');
    const notifySecret = `${PREFIX}e2e-notify-${randomUUID()}`;
    await secretsManager.send(new CreateSecretCommand({ Name: notifySecret, SecretString: notifyKey }));
    const received: { topic: string; seq: number; deploymentId: string; signed: boolean }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(req.headers['x-nimbus-timestamp'] ?? '');
        const parsed = JSON.parse(body) as { topic: string; event: { seq: number; deploymentId: string } };
        received.push({
          topic: parsed.topic,
          seq: parsed.event.seq,
          deploymentId: parsed.event.deploymentId,
          signed: req.headers['x-nimbus-signature'] === signBody(notifyKey, timestamp, body),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const patch = await call(`/v1/organizations/${t.orgId}`, {
        method: 'PATCH',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          notificationUrl: `http://127.0.0.1:${port}/hooks`,
          notificationSecret: notifySecret,
        }),
      });
      assert.equal(patch.status, 200, patch.text);
      const { envId, stackId } = await estate(t, agent, secretName);
      agent.script('deploy', { kind: 'now', status: 'succeeded' });
      const d = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
      const { events } = await follow(t, String(d.id));
      const mine = () => received.filter((r) => r.deploymentId === d.id);
      for (let i = 0; i < 80 && !mine().some((r) => r.topic === 'deployments.succeeded'); i += 1)
        await sleep(250);
      const got = mine();
      assert.ok(got.length > 0 && got.every((r) => r.signed), JSON.stringify(got));
      // Every event of the log reached the webhook (at least once: receivers dedupe on deploymentId + seq).
      assert.deepEqual(
        [...new Set(got.map((r) => r.seq))].sort((a, b) => a - b),
        events.map((e) => e.seq),
      );
    } finally {
      receiver.close();
      await secretsManager.send(
        new DeleteSecretCommand({ SecretId: notifySecret, ForceDeleteWithoutRecovery: true }),
      );
    }
  });

  it('refuses every route to another organisation', async () => {
    const { envId, stackId, targetId } = await estate(t, agent, secretName);
    const d = created(await post(t, `/v1/stacks/${stackId}/deployments`, { environmentId: envId }), 202);
    await follow(t, String(d.id));
    const other = await tenant('intruder');
    const attempts: [string, string, unknown?][] = [
      ['GET', `/v1/organizations/${t.orgId}`],
      ['PATCH', `/v1/organizations/${t.orgId}`, { name: 'mine now' }],
      ['GET', `/v1/organizations/${t.orgId}/environments`],
      ['POST', `/v1/organizations/${t.orgId}/environments`, { name: 'x', type: 'dev' }],
      ['GET', `/v1/organizations/${t.orgId}/stacks`],
      ['POST', `/v1/organizations/${t.orgId}/stacks`, { name: 'x', template: 'x' }],
      ['GET', `/v1/environments/${envId}`],
      ['GET', `/v1/environments/${envId}/targets`],
      ['POST', `/v1/environments/${envId}/targets`, { name: 'x', kind: 'vm', driver: 'dry-run' }],
      ['GET', `/v1/targets/${targetId}`],
      ['PATCH', `/v1/targets/${targetId}`, { name: 'x' }],
      ['GET', `/v1/stacks/${stackId}`],
      ['PUT', `/v1/stacks/${stackId}`, { template: 'x', configuration: {} }],
      ['GET', `/v1/stacks/${stackId}/versions`],
      ['GET', `/v1/stacks/${stackId}/versions/1`],
      ['GET', `/v1/stacks/${stackId}/applications`],
      ['POST', `/v1/stacks/${stackId}/applications`, { name: 'x', image: 'nginx:1', replicas: 1 }],
      ['GET', `/v1/stacks/${stackId}/deployments`],
      ['POST', `/v1/stacks/${stackId}/deployments`, { environmentId: envId }],
      ['POST', `/v1/stacks/${stackId}/rollback`, { environmentId: envId }],
      ['GET', `/v1/deployments/${d.id}`],
      ['GET', `/v1/deployments/${d.id}/events`],
      ['POST', `/v1/deployments/${d.id}/cancel`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(path, {
        method,
        headers: { ...other.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok([403, 404].includes(res.status), `${method} ${path}: ${res.status} ${res.text}`);
      // Nothing about the resource beyond the path the caller sent (`instance`).
      const { instance: _path, ...rest } = res.json ?? {};
      assert.doesNotMatch(
        JSON.stringify(rest),
        new RegExp(`${stackId}|${envId}|${targetId}`),
        `${method} ${path} leaks`,
      );
    }
  });
});
