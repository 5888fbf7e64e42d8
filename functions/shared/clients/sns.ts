import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { requireEnv } from '../env.ts';

/**
 * SNS over its Query protocol (form-encoded POST, XML answer), signed with SigV4 by the signer the
 * AWS SDK itself uses. Why not `@aws-sdk/client-sns`: it is not a dependency of Nimbus yet, and one
 * action (Publish, plus CreateTopic/Subscribe for tests) does not justify a hand-written protocol
 * layer beyond this file. When the SDK client is added, only this module changes: callers see
 * `snsAction` / `publish` and nothing of the wire format.
 */

/** node:crypto behind the signer's `Checksum` shape (SHA-256, or HMAC-SHA-256 when given a key). */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key);
  }
  update(chunk: Uint8Array | string): void {
    this.hash.update(chunk);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

const region = requireEnv('AWS_REGION');
// The emulator is reached through AWS_ENDPOINT_URL, as every SDK client in Nimbus does.
const endpoint = new URL(
  process.env.AWS_ENDPOINT_URL_SNS ?? process.env.AWS_ENDPOINT_URL ?? `https://sns.${region}.amazonaws.com`,
);
const signer = new SignatureV4({ service: 'sns', region, credentials: defaultProvider(), sha256: Sha256 });

/** An SNS error answer, with the service's error code (e.g. `NotFound`, `AuthorizationError`). */
export class SnsError extends Error {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(`SNS ${action} failed: ${code} (HTTP ${status})`);
    this.name = 'SnsError';
  }
}

/** The text of the first `<tag>` in an XML answer; SNS answers are flat enough for this. */
export function xmlValue(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1]
    ?.replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

/** Calls one SNS action; returns the XML answer, throws `SnsError` on an error answer. */
export async function snsAction(action: string, params: Readonly<Record<string, string>>): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: '2010-03-31', ...params }).toString();
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port === '' ? undefined : Number(endpoint.port),
    path: endpoint.pathname,
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body,
  });
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: signed.headers,
    body,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new SnsError(action, xmlValue(text, 'Code') ?? 'Unknown', res.status);
  return text;
}

/** Publishes one message to a topic; returns its message id. */
export async function publish(topicArn: string, subject: string, message: string): Promise<string> {
  // SNS refuses subjects over 100 characters or with line breaks.
  const safeSubject = subject.replace(/[\r\n]+/g, ' ').slice(0, 100);
  const xml = await snsAction('Publish', { TopicArn: topicArn, Subject: safeSubject, Message: message });
  return xmlValue(xml, 'MessageId') ?? '';
}
