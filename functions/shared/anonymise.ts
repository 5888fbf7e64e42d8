import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { truncateIp } from './privacy/anonymise.ts';
import { redactSecrets } from './redact.ts';

/**
 * Personal data must not reach a log, whoever wrote the line (a feature, a library, an error
 * message quoting its input). The logger passes every string it writes through `anonymiseText`
 * (`observability.ts`), so this is the one place where log lines are masked:
 * - emails become `[email]`;
 * - IPv4 addresses are cut to their /24 (`203.0.113.0`), IPv6 to their /48 (`2001:db8:1::`): the
 *   network stays visible for abuse and routing questions, the person does not;
 * - UUIDs (user ids, and the session and key ids tied to a user) become a keyed pseudonym
 *   (`~` and 12 characters): one id keeps one pseudonym under one key, so a container's lines
 *   about one user still read together, and without the key nobody can link it back. Correlation
 *   and request ids, which name requests and not people, are kept (`KEPT_ID_FIELDS`);
 * - secrets (`redact.ts`) become `[redacted]`.
 */

/** Log fields whose UUIDs name a request, not a person, and are kept as they are (emails and IPs are still masked). */
export const KEPT_ID_FIELDS: ReadonlySet<string> = new Set([
  'correlation_id',
  'correlationId',
  'function_request_id',
  'xray_trace_id',
  'function_arn',
  'function_name',
]);

const EMAIL =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+/g;
const UUID =
  /(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])/g;
// Candidates only: `isIPv6` decides. Not preceded by a word char or `.` (a `:` may precede: `ip:<ip>`);
// not followed by a word char, `:` or `.digit` (so `12:34:56.789` in a timestamp is never one).
const IPV6_CANDIDATE =
  /(?<![\w.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\w:]|\.\d)/g;
const IPV4_CANDIDATE = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/g;

export interface Anonymiser {
  /** Masks emails and IPs, pseudonymises UUIDs (unless `keepIds`), redacts secrets. */
  text(value: string, keepIds?: boolean): string;
  /** A `JSON.stringify` replacer: every string value, at any depth, through `text`. */
  readonly replacer: (key: string, value: unknown) => unknown;
}

/** `key`: the HMAC key of pseudonyms (`observability.ts` draws one per container). */
export function createAnonymiser(key: Buffer): Anonymiser {
  const pseudonym = (id: string) =>
    `~${createHmac('sha256', key).update(id.toLowerCase()).digest('base64url').slice(0, 12)}`;
  const text = (value: string, keepIds = false): string => {
    let out = redactSecrets(value).replace(EMAIL, '[email]');
    out = out.replace(IPV6_CANDIDATE, (candidate) =>
      isIPv6(candidate) ? (truncateIp(candidate) ?? '[ip]') : candidate,
    );
    out = out.replace(IPV4_CANDIDATE, (candidate) =>
      isIPv4(candidate) ? (truncateIp(candidate) ?? '[ip]') : candidate,
    );
    return keepIds ? out : out.replace(UUID, pseudonym);
  };
  return {
    text,
    replacer: (field, value) => (typeof value === 'string' ? text(value, KEPT_ID_FIELDS.has(field)) : value),
  };
}
