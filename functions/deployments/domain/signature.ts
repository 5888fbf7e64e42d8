import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The HMAC signature of every call between Nimbus and the outside of a deployment: the webhook
 * driver's calls to an agent, an agent's callback, the notifier's event posts. The signed text is
 * `<timestamp>.<body>` (the timestamp in Unix seconds), so a captured request cannot be replayed
 * after the tolerance, nor its body changed.
 *
 *   x-nimbus-timestamp: 1767225600
 *   x-nimbus-signature: v1=<hex of HMAC-SHA256(key, "1767225600." + body)>
 */
export const SIGNATURE_HEADER = 'x-nimbus-signature';
export const TIMESTAMP_HEADER = 'x-nimbus-timestamp';
/** How far a signed request's timestamp may be from now, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const VERSION = 'v1=';

function hmacHex(key: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex');
}

/** The two headers of a signed request whose body is `body` (sent exactly as signed). */
export function signRequest(
  key: string,
  body: string,
  now: Date = new Date(),
): { [TIMESTAMP_HEADER]: string; [SIGNATURE_HEADER]: string } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${VERSION}${hmacHex(key, timestamp, body)}` };
}

export type SignatureVerdict =
  | { readonly valid: true }
  | { readonly valid: false; readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a request's signature headers against its raw body: a timestamp within the tolerance and
 * an HMAC equal in constant time. Header values as received (`undefined` when absent).
 */
export function verifySignature(
  key: string,
  body: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  now: Date = new Date(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureVerdict {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) return { valid: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp) || !signature.startsWith(VERSION))
    return { valid: false, reason: 'malformed' };
  const given = signature.slice(VERSION.length);
  if (!/^[0-9a-f]{64}$/.test(given)) return { valid: false, reason: 'malformed' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > toleranceSeconds)
    return { valid: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(key, timestamp, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex'))
    ? { valid: true }
    : { valid: false, reason: 'mismatch' };
}
