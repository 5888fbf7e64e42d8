import { createHash, randomUUID } from 'node:crypto';
import {
  AuthenticationFailedError,
  ConflictingStateError,
  NotPermittedError,
} from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { grants } from '#shared/rbac.ts';
import type { AuthDeps } from '../deps.ts';
import { isErasureLocked } from '../domain/erasure-lock.ts';
import { hashPassword, needsRehash, verifyPassword } from '../domain/password.ts';
import { EmailTakenError, NO_TOTP, normaliseEmail, StaleWriteError, type User } from '../store/users.ts';
import { spendAttempt } from './attempt-budget.ts';
import { INVALID_SECOND_FACTOR, verifySecondFactor } from './second-factor.ts';
import { type ClientMeta, startSession, type TokenPair } from './session-tokens.ts';

export const SECOND_FACTOR_REQUIRED = 'second-factor-required';
export const INVALID_CREDENTIALS = 'invalid-credentials';
export { INVALID_SECOND_FACTOR };

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

/** Public view of a user: never the password hash or second-factor secrets. */
export function profileOf(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    orgId: user.orgId,
    createdAt: user.createdAt,
    totpEnabled: user.totp.enabled,
  };
}

/**
 * Creates a user in an organisation of their own with the `developer` role. On stages where
 * registration is restricted, only a principal holding `users:admin` may register someone.
 */
export async function register(
  deps: Pick<AuthDeps, 'config' | 'users' | 'events' | 'now'>,
  input: Registration,
  caller: Principal | null,
  meta: ClientMeta,
  options: { roles?: readonly string[]; orgId?: string } = {},
): Promise<User> {
  if (deps.config.registration === 'admin' && !grants(caller?.permissions ?? [], 'users:admin')) {
    throw new NotPermittedError('Registration on this deployment is by administrators only.');
  }
  const user: User = {
    id: randomUUID(),
    email: normaliseEmail(input.email),
    name: input.name.trim(),
    passwordHash: await hashPassword(input.password),
    roles: [...(options.roles ?? ['developer'])],
    orgId: options.orgId ?? `org_${randomUUID()}`,
    createdAt: deps.now().toISOString(),
    totp: NO_TOTP,
  };
  try {
    await deps.users.create(user);
  } catch (error) {
    if (error instanceof EmailTakenError)
      throw new ConflictingStateError('An account with this email already exists.');
    throw error;
  }
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'user.registered',
    actor: caller?.id ?? user.id,
    correlationId: meta.correlationId,
    data: { email: user.email, roles: user.roles, orgId: user.orgId },
  });
  return user;
}

/** What the public registration answers, whether the email was new or not. */
export const REGISTRATION_ACCEPTED = {
  status: 'accepted',
  detail: 'If the address can be registered, the account exists now: log in with it.',
} as const;

/**
 * Self-service registration where the stage allows it. A new email and a taken one get the same
 * answer after the same work (the password is hashed before the store refuses the email), so the
 * endpoint does not tell who has an account. The owner of a taken email is not told: Nimbus has
 * no mail sender yet, so the attempt is audited under their account (with the source IP) instead.
 */
export async function registerOpen(
  deps: Pick<AuthDeps, 'config' | 'users' | 'events' | 'now'>,
  input: Registration,
  meta: ClientMeta,
): Promise<typeof REGISTRATION_ACCEPTED> {
  try {
    await register(deps, input, null, meta);
  } catch (error) {
    if (!(error instanceof ConflictingStateError)) throw error;
    const existing = await deps.users.findByEmail(input.email);
    await deps.events.append({
      subject: existing ? `user:${existing.id}` : 'user:unknown',
      type: 'security.registration-email-taken',
      actor: 'anonymous',
      correlationId: meta.correlationId,
      data: { ip: meta.ip },
    });
  }
  return REGISTRATION_ACCEPTED;
}

/**
 * Password (+ second factor) login. Unknown email and wrong password give the same answer after
 * the same work (a dummy scrypt), so the response says nothing about which emails exist.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; totp?: string | undefined },
  meta: ClientMeta,
): Promise<TokenPair> {
  const user = await deps.users.findByEmail(input.email);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? null);
  if (!user || !passwordOk) {
    await deps.events.append({
      // Failures against unknown emails are kept under a hash of the email, not the email itself.
      subject: user
        ? `user:${user.id}`
        : `email:${createHash('sha256').update(normaliseEmail(input.email)).digest('hex').slice(0, 32)}`,
      type: 'security.login-failed',
      actor: 'anonymous',
      correlationId: meta.correlationId,
      data: { ip: meta.ip, reason: 'credentials' },
    });
    throw new AuthenticationFailedError('The email or password is incorrect.', INVALID_CREDENTIALS);
  }
  // Told only to whoever knows the password: a guesser learns nothing about the account's state.
  if (isErasureLocked(user)) {
    throw new NotPermittedError(
      'This account is locked: its erasure was requested. Cancelling the erasure unlocks it.',
      'account-erasure-pending',
    );
  }
  if (user.totp.enabled) {
    if (input.totp === undefined || input.totp === '') {
      throw new AuthenticationFailedError(
        'A second factor is required: send `totp` with a code or a backup code.',
        SECOND_FACTOR_REQUIRED,
      );
    }
    const code = input.totp;
    const context = { userId: user.id, via: 'login', ip: meta.ip, correlationId: meta.correlationId };
    // The account's budget, not the (IP, account) login limit, is what bounds guessing the code.
    const ok = await spendAttempt(deps, 'second-factor', context, () => verifySecondFactor(deps, user, code));
    if (!ok) {
      await deps.events.append({
        subject: `user:${user.id}`,
        type: 'security.login-failed',
        actor: 'anonymous',
        correlationId: meta.correlationId,
        data: { ip: meta.ip, reason: 'second-factor' },
      });
      throw new AuthenticationFailedError(
        'The second factor is incorrect or was already used.',
        INVALID_SECOND_FACTOR,
      );
    }
  }
  await rehashIfWeak(deps, user, input.password);
  const pair = await startSession(deps, user, meta);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.login-succeeded',
    actor: user.id,
    correlationId: meta.correlationId,
    data: { ip: meta.ip, sessionId: pair.sessionId, secondFactor: user.totp.enabled },
  });
  return pair;
}

/**
 * The password was just proven: if its stored hash predates today's scrypt parameters, store it
 * again with them. Conditional on the old hash, so a password changed meanwhile is not undone.
 */
async function rehashIfWeak(deps: Pick<AuthDeps, 'users'>, user: User, password: string): Promise<void> {
  if (!needsRehash(user.passwordHash)) return;
  try {
    await deps.users.replacePasswordHash(user.id, user.passwordHash, await hashPassword(password));
  } catch (error) {
    // A concurrent login already upgraded it (or the password changed): nothing left to do.
    if (!(error instanceof StaleWriteError)) throw error;
  }
}

/**
 * Creates an administrator outside the HTTP API (operator bootstrap: `npm run admin:create`,
 * and the local admin `npm start` seeds). Idempotent on the email: an existing account is returned.
 */
export async function ensureAdmin(
  deps: AuthDeps,
  input: Registration,
): Promise<{ user: User; created: boolean }> {
  const existing = await deps.users.findByEmail(input.email);
  if (existing) return { user: existing, created: false };
  const system: Principal = {
    id: 'system',
    kind: 'user',
    roles: ['admin'],
    permissions: ['*'],
    sessionId: null,
    orgId: null,
    authTime: null,
  };
  const meta = { ip: null, userAgent: 'admin-create', correlationId: randomUUID() };
  const user = await register(deps, input, system, meta, { roles: ['admin'], orgId: 'org_default' });
  return { user, created: true };
}
