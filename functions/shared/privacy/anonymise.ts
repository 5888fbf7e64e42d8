import { createHmac } from 'node:crypto';

/**
 * Masking strategies for personal values, pure: the data map names one per anonymised field, and
 * logs, rate-limit keys and stored records apply the same functions.
 */
export type MaskingStrategy = 'keyed-hash' | 'truncate-ip' | 'nullify';

/** Length of a keyed hash: 22 base64url characters are 132 bits, collision-free at any realistic scale. */
export const KEYED_HASH_LENGTH = 22;

/**
 * HMAC-SHA256 of `value` under `key`, base64url, cut to 22 characters. Stable for one key (values
 * stay joinable), irreversible without it (unlike a plain hash, a dictionary of emails or ids does
 * not undo it).
 */
export function keyedHash(key: Buffer, value: string): string {
  if (key.length === 0) throw new Error('keyedHash needs a key');
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url').slice(0, KEYED_HASH_LENGTH);
}

/** The strategy that keeps nothing. */
export function nullify(_value: unknown): null {
  return null;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function ipv4Octets(text: string): number[] | null {
  const match = IPV4.exec(text);
  return match ? match.slice(1, 5).map(Number) : null;
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  // A zone (`fe80::1%eth0`) names an interface of the sender's host: it is not part of the address.
  const address = text.split('%', 1)[0] ?? '';
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && piece.includes('.')) {
        const octets = ipv4Octets(piece);
        if (!octets) return null;
        groups.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      } else if (HEX_GROUP.test(piece)) {
        groups.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : null;
}

/** RFC 5952 text of eight groups: lower-case hex, the longest run (2+) of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.length < 2) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/**
 * An IP address cut to its network: IPv4 to its /24 (last octet 0), IPv6 to its /48 (what one
 * site is usually given). An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`) is an IPv4 client seen
 * through a dual-stack socket: it is cut as IPv4 and answered in dotted form. Anything that is
 * not an address gives null: an unparsable value is dropped, never stored as it came.
 */
export function truncateIp(ip: string): string | null {
  const text = ip.trim();
  const v4 = ipv4Octets(text);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0`;
  const groups = ipv6Groups(text);
  if (!groups) return null;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const high = groups[6] ?? 0;
    return `${high >> 8}.${high & 0xff}.${(groups[7] ?? 0) >> 8}.0`;
  }
  return formatIpv6([...groups.slice(0, 3), 0, 0, 0, 0, 0]);
}

/**
 * One strategy applied to one value: what a data-map entry's `anonymise` step calls. `keyed-hash`
 * needs the key; `truncate-ip` of something that is not an address, like `nullify`, gives null.
 */
export function mask(strategy: MaskingStrategy, value: string | null, key?: Buffer): string | null {
  if (value === null) return null;
  switch (strategy) {
    case 'keyed-hash':
      if (key === undefined) throw new Error('the keyed-hash strategy needs a key');
      return keyedHash(key, value);
    case 'truncate-ip':
      return truncateIp(value);
    case 'nullify':
      return nullify(value);
  }
}
