import { AuthenticationFailedError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { AuthDeps } from '../deps.ts';
import { verifyPassword } from '../domain/password.ts';
import { spendAttempt } from './attempt-budget.ts';

export const STEP_UP_REQUIRED = 'step-up-required';
/** Same type as a wrong password at login: the client asks the user again either way. */
export const STEP_UP_WRONG_PASSWORD = 'invalid-credentials';

/** Who asks for a sensitive change, what they sent to prove it is really them, and from where. */
export interface SensitiveChange {
  readonly caller: Principal;
  /** The account password, when the request carried one. */
  readonly password: string | undefined;
  readonly ip: string | null;
  readonly correlationId: string;
}

export interface StepUpRequest extends SensitiveChange {
  /** The change asked for (`totp-disable`, `keys-create`...), for the audit trail. */
  readonly via: string;
}

export type StepUpDeps = Pick<
  AuthDeps,
  'config' | 'users' | 'events' | 'now' | 'attemptBudgets' | 'countMetric'
>;

/**
 * Step-up for changes that could take an account over (second factor, API keys, roles): a stolen
 * access token alone must not be enough. Passes when the caller typed their password at most
 * `stepUpMaxAgeSeconds` ago (the token's `auth_time`, kept through refreshes), or sends the
 * password now. A password sent is always checked, even on a fresh login.
 *
 * A wrong password is a failed login (audited as `security.login-failed`, reason `step-up`) and
 * spends the account's `step-up` budget, so a token cannot be used to guess the password faster
 * than the login route allows.
 */
export async function confirmStepUp(deps: StepUpDeps, request: StepUpRequest): Promise<void> {
  const { caller, password } = request;
  if (password === undefined) {
    const nowSeconds = Math.floor(deps.now().getTime() / 1000);
    const fresh =
      caller.kind === 'user' &&
      caller.authTime !== null &&
      nowSeconds - caller.authTime <= deps.config.stepUpMaxAgeSeconds;
    if (fresh) return;
    deps.countMetric('StepUpRequired');
    throw new AuthenticationFailedError(
      `This change needs a recent login: send \`password\` with the request (or log in again; a login counts for ${deps.config.stepUpMaxAgeSeconds}s).`,
      STEP_UP_REQUIRED,
    );
  }
  const context = {
    userId: caller.id,
    via: request.via,
    ip: request.ip,
    correlationId: request.correlationId,
  };
  const ok = await spendAttempt(deps, 'step-up', context, async () => {
    const user = await deps.users.get(caller.id);
    // An account gone since the token was issued still costs a scrypt, like an unknown login.
    return verifyPassword(password, user?.passwordHash ?? null);
  });
  if (ok) return;
  await deps.events.append({
    subject: `user:${caller.id}`,
    type: 'security.login-failed',
    actor: caller.id,
    correlationId: request.correlationId,
    data: { ip: request.ip, reason: 'step-up', via: request.via },
  });
  throw new AuthenticationFailedError('The password is incorrect.', STEP_UP_WRONG_PASSWORD);
}
