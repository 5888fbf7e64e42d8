import { createHmac, randomBytes } from 'node:crypto';

/** A fresh nonce for one rotation (128 bits), stored on the rotated token. */
export const successorNonce = (): string => randomBytes(16).toString('base64url');

/**
 * The refresh token that replaces `token`: HMAC-SHA256 under a server key of the old token and the
 * rotation's nonce. Deterministic, so a replay of `token` within the grace window can be answered
 * with the very successor the rotation produced instead of a new, independent one (a fork).
 * Computing it takes the old token (only the client has it; the table holds its hash), the nonce
 * (in the table) and the key (in Secrets Manager): any two alone are not enough.
 */
export function successorToken(key: Buffer, token: string, nonce: string): string {
  return `nmr_${createHmac('sha256', key).update(`${nonce}.${token}`).digest('base64url')}`;
}
