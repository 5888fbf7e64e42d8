import { checkEndpoint } from '../domain/endpoint.ts';
import { signRequest } from '../domain/signature.ts';
import type { Driver, DriverAction, DriverCall, DriverResult } from './driver.ts';

export interface WebhookDriverOptions {
  /** Reads a secret's value (Secrets Manager); called inside the step only, its value never leaves the driver. */
  readonly readSecret: (secretId: string) => Promise<string>;
  readonly timeoutMs: number;
  readonly allowLoopbackHttp: boolean;
  readonly now?: () => Date;
}

/** The body the agent receives, signed as `x-nimbus-signature` (`domain/signature.ts`). */
export interface AgentRequest {
  readonly action: DriverAction;
  readonly deploymentId: string;
  readonly version: number;
  readonly rendered: string;
  readonly callbackUrl: string;
}

const MESSAGE_MAX = 500;

/** The HMAC key in a target's credentials secret: the plain string, or `{"key": "..."}`. */
export function hmacKeyOf(secretValue: string): string {
  try {
    const parsed: unknown = JSON.parse(secretValue);
    if (typeof parsed === 'object' && parsed !== null && 'key' in parsed && typeof parsed.key === 'string')
      return parsed.key;
  } catch {
    // Not JSON: the whole value is the key.
  }
  return secretValue;
}

const failed = (message: string): DriverResult => ({ status: 'failed', message });

async function agentAnswer(response: Response): Promise<DriverResult> {
  if (response.status === 202) {
    await response.body?.cancel();
    return { status: 'accepted' };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return failed(`the agent answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return failed('the agent answered 200 with a body that is not JSON');
  }
  if (typeof body !== 'object' || body === null || !('status' in body))
    return failed('the agent answered 200 without a status');
  const { status } = body;
  if (status !== 'succeeded' && status !== 'failed')
    return failed('the agent answered 200 with a status other than succeeded or failed');
  const message =
    'message' in body && typeof body.message === 'string' && body.message !== ''
      ? body.message.slice(0, MESSAGE_MAX)
      : `the agent reports ${status}`;
  return { status, message };
}

/**
 * The real driver: an HMAC-signed JSON POST to the target's agent (`endpoint`), keyed by the
 * secret the target names (`credentialsSecret`). The agent answers 200 with a terminal result, or
 * 202 and calls back later. Anything else (another status, a timeout, no connection, a redirect)
 * is a failed action with a reason that names no secret; only a missing secret throws (the step
 * is retried).
 */
export function webhookDriver(options: WebhookDriverOptions): Driver {
  const now = options.now ?? (() => new Date());
  const act =
    (action: DriverAction) =>
    async (call: DriverCall): Promise<DriverResult> => {
      const { target, deployment } = call;
      if (target.endpoint === null) return failed('the target has no endpoint');
      if (target.credentialsSecret === null) return failed('the target has no credentials secret');
      const endpoint = checkEndpoint(target.endpoint, options.allowLoopbackHttp);
      if (!endpoint.ok) return failed(endpoint.reason);
      const key = hmacKeyOf(await options.readSecret(target.credentialsSecret));
      const request: AgentRequest = {
        action,
        deploymentId: deployment.id,
        version: deployment.version,
        rendered: call.rendered,
        callbackUrl: call.callbackUrl,
      };
      const body = JSON.stringify(request);
      let response: Response;
      try {
        response = await fetch(endpoint.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signRequest(key, body, now()) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
          return failed(`the agent did not answer within ${options.timeoutMs} ms`);
        const code =
          error instanceof Error && error.cause instanceof Error && 'code' in error.cause
            ? String(error.cause.code)
            : 'connection failed';
        return failed(`the agent could not be reached (${code})`);
      }
      try {
        return await agentAnswer(response);
      } catch (error) {
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
          return failed(`the agent did not answer within ${options.timeoutMs} ms`);
        throw error;
      }
    };
  return { deploy: act('deploy'), undo: act('undo'), health: act('health') };
}
