import { checkEndpoint } from '../domain/endpoint.ts';
import type { Organization } from '../domain/model.ts';
import { signRequest } from '../domain/signature.ts';
import { hmacKeyOf } from '../drivers/webhook.ts';
import type { DeploymentEventMessage } from './saga.ts';

export interface NotifierDeps {
  readonly organizations: { get(orgId: string): Promise<Organization | undefined> };
  /** Reads the organisation's notification secret (its HMAC key: the string, or `{"key": "..."}`). */
  readonly readSecret: (secretId: string) => Promise<string>;
  readonly allowLoopbackHttp: boolean;
  readonly timeoutMs: number;
  readonly now: () => Date;
}

/**
 * Fans one deployment event out to its organisation's webhook, signed like the agents' calls
 * (`domain/signature.ts`). No URL: nothing to do. Anything but a 2xx throws, so the message comes
 * back and, after the queue's receive limit, lands in the DLQ (alarmed).
 */
export async function notifyOrganization(
  deps: NotifierDeps,
  message: DeploymentEventMessage,
): Promise<'sent' | 'none'> {
  const org = await deps.organizations.get(message.orgId);
  if (org === undefined || org.notificationUrl === null) return 'none';
  if (org.notificationSecret === null)
    throw new Error(`organisation ${org.id} has a notification URL but no notification secret`);
  const endpoint = checkEndpoint(org.notificationUrl, deps.allowLoopbackHttp);
  if (!endpoint.ok) throw new Error(`organisation ${org.id} notification URL refused: ${endpoint.reason}`);
  const key = hmacKeyOf(await deps.readSecret(org.notificationSecret));
  const body = JSON.stringify({
    topic: message.topic,
    orgId: message.orgId,
    correlationId: message.correlationId,
    event: message.event,
  });
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signRequest(key, body, deps.now()) },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(deps.timeoutMs),
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299)
    throw new Error(`organisation ${org.id} notification answered HTTP ${response.status}`);
  return 'sent';
}
