import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { checkEndpoint } from '../../../functions/deployments/domain/endpoint.ts';
import { verifySignature } from '../../../functions/deployments/domain/signature.ts';
import type { DriverCall } from '../../../functions/deployments/drivers/driver.ts';
import { webhookDriver } from '../../../functions/deployments/drivers/webhook.ts';
import { aDeployment, aTarget } from '../../support/deployment-fakes.ts';

// A real agent on 127.0.0.1 (node:http, port 0) that checks the signature with the key it shares
// with the target's secret, records what it got, and answers as the test tells it.
const AGENT_KEY = 'shared-agent-key';
const SECRET_ID = 'nimbus/test/agent-key';

type Reply = (res: ServerResponse) => void;
interface Received {
  readonly body: unknown;
  readonly signatureValid: boolean;
}

let server: Server;
let agentUrl: string;
let reply: Reply;
let received: Received[] = [];
const secretReads: string[] = [];

const json =
  (status: number, body: unknown): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const value = req.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      const verdict = verifySignature(AGENT_KEY, raw, {
        timestamp: header('x-nimbus-timestamp'),
        signature: header('x-nimbus-signature'),
      });
      received.push({ body: JSON.parse(raw), signatureValid: verdict.valid });
      if (!verdict.valid) return json(401, { error: 'bad signature' })(res);
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agentUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  secretReads.length = 0;
  reply = json(200, { status: 'succeeded' });
});

function driverWith(options: { key?: string; timeoutMs?: number; allowLoopbackHttp?: boolean } = {}) {
  return webhookDriver({
    readSecret: async (id) => {
      secretReads.push(id);
      return options.key ?? JSON.stringify({ key: AGENT_KEY });
    },
    timeoutMs: options.timeoutMs ?? 2_000,
    allowLoopbackHttp: options.allowLoopbackHttp ?? true,
  });
}

function call(endpoint = agentUrl): DriverCall {
  const deployment = aDeployment({ version: 7 });
  return {
    target: aTarget({ endpoint, credentialsSecret: SECRET_ID }),
    deployment,
    rendered: 'image: web:7\n',
    callbackUrl: `https://api.example.test/v1/deployments/${deployment.id}/callback`,
  };
}

describe('webhook driver against a local agent', () => {
  it('posts the signed action and returns the agent terminal 200 result', async () => {
    reply = json(200, { status: 'succeeded', message: 'web:7 running' });
    const c = call();

    const result = await driverWith().deploy(c);

    assert.deepEqual(result, { status: 'succeeded', message: 'web:7 running' });
    assert.deepEqual(received, [
      {
        body: {
          action: 'deploy',
          deploymentId: c.deployment.id,
          version: 7,
          rendered: 'image: web:7\n',
          callbackUrl: c.callbackUrl,
        },
        signatureValid: true,
      },
    ]);
    assert.deepEqual(secretReads, [SECRET_ID]);
  });

  it('passes on a failed 200 result with the agent message', async () => {
    reply = json(200, { status: 'failed', message: 'image pull failed' });

    assert.deepEqual(await driverWith().deploy(call()), { status: 'failed', message: 'image pull failed' });
  });

  it('sends undo and health as their own actions', async () => {
    await driverWith().undo(call());
    await driverWith().health(call());

    assert.deepEqual(
      received.map((r) => (r.body as { action: string }).action),
      ['undo', 'health'],
    );
  });

  it('returns accepted on 202 (the agent calls back later)', async () => {
    reply = (res) => {
      res.writeHead(202);
      res.end();
    };

    assert.deepEqual(await driverWith().deploy(call()), { status: 'accepted' });
  });

  it('fails on a 500, naming the status', async () => {
    reply = json(500, { error: 'boom' });

    assert.deepEqual(await driverWith().deploy(call()), {
      status: 'failed',
      message: 'the agent answered HTTP 500',
    });
  });

  it('fails on a 200 that is not a result', async () => {
    reply = json(200, { state: 'done' });

    const result = await driverWith().deploy(call());

    assert.equal(result.status, 'failed');
  });

  it('fails when the agent does not answer within the timeout', async () => {
    reply = () => {}; // never answers
    const started = Date.now();

    const result = await driverWith({ timeoutMs: 200 }).deploy(call());

    assert.deepEqual(result, { status: 'failed', message: 'the agent did not answer within 200 ms' });
    assert.ok(Date.now() - started < 1_500);
  });

  it('fails when the agent refuses the signature (wrong key), with no key in the reason', async () => {
    const result = await driverWith({ key: 'not-the-agent-key' }).deploy(call());

    assert.deepEqual(result, { status: 'failed', message: 'the agent answered HTTP 401' });
    assert.equal(received[0]?.signatureValid, false);
  });

  it('accepts a plain-string secret as the key', async () => {
    const result = await driverWith({ key: AGENT_KEY }).deploy(call());

    assert.equal(result.status, 'succeeded');
    assert.equal(received[0]?.signatureValid, true);
  });

  it('refuses plain http to loopback where the stage does not allow it, before reading the secret', async () => {
    const result = await driverWith({ allowLoopbackHttp: false }).deploy(call());

    assert.deepEqual(result, {
      status: 'failed',
      message: 'plain http to a loopback address is not allowed on this stage',
    });
    assert.deepEqual(received, []);
    assert.deepEqual(secretReads, []);
  });

  it('refuses plain http to any other host', async () => {
    const result = await driverWith().deploy(call('http://agent.example.test/deploy'));

    assert.deepEqual(result, { status: 'failed', message: 'the endpoint must use https' });
    assert.deepEqual(secretReads, []);
  });

  it('fails with the connection error when nothing listens', async () => {
    const result = await driverWith({ timeoutMs: 2_000 }).deploy(call('http://127.0.0.1:1/agent'));

    assert.equal(result.status, 'failed');
    assert.match(result.status === 'failed' ? result.message : '', /could not be reached/);
  });
});

describe('endpoint rule', () => {
  it('allows https anywhere and http only to loopback when allowed', () => {
    assert.equal(checkEndpoint('https://agent.example.test/x', false).ok, true);
    assert.equal(checkEndpoint('http://127.0.0.1:8080/x', true).ok, true);
    assert.equal(checkEndpoint('http://localhost:8080/x', true).ok, true);
    assert.equal(checkEndpoint('http://[::1]:8080/x', true).ok, true);
    assert.equal(checkEndpoint('http://127.0.0.1:8080/x', false).ok, false);
    assert.equal(checkEndpoint('http://10.0.0.1/x', true).ok, false);
    assert.equal(checkEndpoint('ftp://agent.example.test/x', true).ok, false);
    assert.equal(checkEndpoint('https://user:pw@agent.example.test/x', true).ok, false);
    assert.equal(checkEndpoint('not a url', true).ok, false);
  });
});
