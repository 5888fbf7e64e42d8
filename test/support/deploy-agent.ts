import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real deployment agent for the e2e suite: a node:http server on 127.0.0.1 that checks Nimbus's
 * HMAC signature on every request (its own implementation of the protocol, not Nimbus's code) and
 * answers each action as the test scripts it: at once (200 with a terminal status), or later
 * (202, then a signed callback to the API), or never (202 and silence).
 */
export type AgentAnswer =
  | { readonly kind: 'now'; readonly status: 'succeeded' | 'failed'; readonly message?: string }
  | { readonly kind: 'http-error'; readonly code: number }
  | {
      readonly kind: 'later';
      readonly status: 'succeeded' | 'failed';
      readonly afterMs: number;
      readonly message?: string;
    }
  | { readonly kind: 'silent' };

export interface AgentRequest {
  readonly action: string;
  readonly deploymentId: string;
  readonly version: number | undefined;
  readonly rendered: unknown;
  readonly signatureValid: boolean;
  readonly at: number;
}

export interface Agent {
  readonly url: string;
  readonly requests: AgentRequest[];
  /** How each action is answered (`deploy`, `undo`, `health`); default: succeeded at once. */
  script(action: string, answer: AgentAnswer): void;
  close(): Promise<void>;
}

export function signBody(key: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

function validSignature(key: string, req: IncomingMessage, body: string): boolean {
  const timestamp = String(req.headers['x-nimbus-timestamp'] ?? '');
  const signature = String(req.headers['x-nimbus-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(signBody(key, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Starts an agent holding `key`. `callback(deploymentId, body, headers)` posts its later answers
 * (the test passes a function calling the API's callback route).
 */
export async function startAgent(
  key: string,
  callback: (deploymentId: string, body: string, headers: Record<string, string>) => Promise<void>,
): Promise<Agent> {
  const answers = new Map<string, AgentAnswer>();
  const requests: AgentRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatureValid = validSignature(key, req, body);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // recorded as an unknown action below
      }
      const action = typeof parsed.action === 'string' ? parsed.action : 'unknown';
      const deploymentId = typeof parsed.deploymentId === 'string' ? parsed.deploymentId : '';
      requests.push({
        action,
        deploymentId,
        version: typeof parsed.version === 'number' ? parsed.version : undefined,
        rendered: parsed.rendered,
        signatureValid,
        at: Date.now(),
      });
      const send = (code: number, payload: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (!signatureValid) return send(401, { error: 'bad signature' });
      const answer = answers.get(action) ?? { kind: 'now', status: 'succeeded' };
      switch (answer.kind) {
        case 'now':
          return send(200, {
            status: answer.status,
            message: answer.message ?? `${action} ${answer.status}`,
          });
        case 'http-error':
          return send(answer.code, { error: 'agent trouble' });
        case 'silent':
          return send(202, { accepted: true });
        case 'later': {
          send(202, { accepted: true });
          setTimeout(() => {
            const payload = JSON.stringify({
              status: answer.status,
              message: answer.message ?? `${action} ${answer.status} later`,
            });
            const timestamp = String(Math.floor(Date.now() / 1000));
            void callback(deploymentId, payload, {
              'content-type': 'application/json',
              'x-nimbus-timestamp': timestamp,
              'x-nimbus-signature': signBody(key, timestamp, payload),
            });
          }, answer.afterMs);
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/agent`,
    requests,
    script: (action, answer) => answers.set(action, answer),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
