import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN_FILE } from '../../localstack/scripts/local-env.ts';
import { call } from './stack.ts';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(tag: string): string {
  return `${tag}-${randomUUID().slice(0, 8)}@e2e.nimbus.test`;
}

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

let adminToken: Promise<string> | undefined;

/**
 * Creates an account through the admin route (`POST /v1/admin/users`, 201 with the profile): the
 * public registration answers the same whether the email was new or not, so it names no id.
 */
export async function registerUser(tag: string): Promise<{ email: string; id: string }> {
  const email = uniqueEmail(tag);
  const create = async () => {
    adminToken ??= loginAs(localAdmin().email, localAdmin().password).then((tokens) => tokens.accessToken);
    return call('/v1/admin/users', json({ email, password: PASSWORD, name: tag }, bearer(await adminToken)));
  };
  let res = await create();
  // The admin's token outlived its signing key (a suite rotated the keys twice) or its lifetime:
  // log in again, once.
  if (res.status === 401) {
    adminToken = undefined;
    res = await create();
  }
  if (res.status !== 201) throw new Error(`create ${email}: ${res.status} ${res.text}`);
  return { email, id: String(res.json?.id) };
}

export async function loginAs(email: string, password = PASSWORD, totp?: string): Promise<Tokens> {
  const res = await call('/v1/auth/login', json({ email, password, ...(totp ? { totp } : {}) }));
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
  return res.json as unknown as Tokens;
}

/** The local admin `npm start` seeded. */
export function localAdmin(): { email: string; password: string } {
  return JSON.parse(readFileSync(ADMIN_FILE, 'utf8')) as { email: string; password: string };
}

/** Waits past the authorizer's cache of session/key state (1 s on the local stage). */
export const pastAuthorizerCache = () => new Promise((resolve) => setTimeout(resolve, 1500));
