import { open } from '#shared/crypto-box.ts';
import { AuthenticationFailedError, ConflictingStateError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';
import {
  generateBackupCodes,
  hashBackupCode,
  matchBackupCode,
  upgradeBackupHash,
} from '../domain/backup-codes.ts';
import { verifyTotp } from '../domain/totp.ts';
import { NO_TOTP, StaleWriteError, type TotpState, type User } from '../store/users.ts';
import { spendAttempt } from './attempt-budget.ts';
import { confirmStepUp, type SensitiveChange } from './step-up.ts';

export const INVALID_SECOND_FACTOR = 'invalid-second-factor';

const isBackupCode = (code: string) => !/^\d{6}$/.test(code.trim());
/**
 * The additional data a user's TOTP secret is sealed with: the user id is bound into the
 * ciphertext, so a sealed secret copied to another user fails to open.
 */
export const totpSecretAad = (user: User) => `totp:${user.id}`;

/**
 * Checks a TOTP code or a backup code and consumes it (last step / used code written with a
 * conditional update, so the same code cannot be accepted twice, even concurrently). Any
 * backup-code hash still in the legacy plain-sha256 form is upgraded to the keyed form by the
 * same write. Does not spend the attempt budget: callers go through `spendAttempt`.
 */
export async function verifySecondFactor(deps: AuthDeps, user: User, code: string): Promise<boolean> {
  const state = user.totp;
  if (!state.enabled || state.secretSealed === null) return false;
  const key = await deps.backupCodeKey();
  let next: TotpState;
  if (isBackupCode(code)) {
    const index = matchBackupCode(code, state.backupHashes, key);
    if (index < 0) return false;
    next = { ...state, backupHashes: state.backupHashes.filter((_, i) => i !== index) };
  } else {
    const secret = open(state.secretSealed, await deps.dataKey(), totpSecretAad(user));
    const result = verifyTotp(secret, code.trim(), deps.now().getTime(), state.lastStep);
    if (!result.ok) return false;
    next = { ...state, lastStep: result.step };
  }
  next = { ...next, backupHashes: next.backupHashes.map((hash) => upgradeBackupHash(hash, key)) };
  try {
    await deps.users.updateTotp(user.id, state, next);
    return true;
  } catch (error) {
    if (error instanceof StaleWriteError) return false; // someone else used a code at the same moment
    throw error;
  }
}

async function auditFailure(deps: AuthDeps, user: User, change: SensitiveChange, via: string) {
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.second-factor-failed',
    actor: change.caller.id,
    correlationId: change.correlationId,
    data: { via, ip: change.ip },
  });
}

/** Throws `invalid-second-factor` on a wrong code; returns the backup codes, shown once. */
export async function activateTotp(deps: AuthDeps, user: User, code: string, change: SensitiveChange) {
  if (user.totp.enabled) throw new ConflictingStateError('Two-factor authentication is already active.');
  const pending = user.totp.pendingSealed;
  if (pending === null)
    throw new ConflictingStateError('No enrolment in progress: call /v1/auth/totp/enroll first.');
  await confirmStepUp(deps, { ...change, via: 'totp-activate' });
  const secret = open(pending, await deps.dataKey(), totpSecretAad(user));
  let step = 0;
  const context = {
    userId: user.id,
    via: 'totp-activate',
    ip: change.ip,
    correlationId: change.correlationId,
  };
  const ok = await spendAttempt(deps, 'second-factor', context, async () => {
    const result = verifyTotp(secret, code.trim(), deps.now().getTime(), null);
    if (result.ok) step = result.step;
    return result.ok;
  });
  if (!ok) {
    await auditFailure(deps, user, change, 'totp-activate');
    throw new AuthenticationFailedError('The code is incorrect.', INVALID_SECOND_FACTOR);
  }
  const backupCodes = generateBackupCodes(10);
  const key = await deps.backupCodeKey();
  await deps.users.updateTotp(user.id, user.totp, {
    secretSealed: pending,
    pendingSealed: null,
    enabled: true,
    lastStep: step,
    backupHashes: backupCodes.map((backupCode) => hashBackupCode(backupCode, key)),
  });
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.totp-enabled',
    actor: user.id,
    correlationId: change.correlationId,
  });
  return backupCodes;
}

/** Throws `invalid-second-factor` on a wrong or spent code (audited, and counted in the budget). */
export async function disableTotp(
  deps: AuthDeps,
  user: User,
  code: string,
  change: SensitiveChange,
): Promise<void> {
  if (!user.totp.enabled) throw new ConflictingStateError('Two-factor authentication is not active.');
  await confirmStepUp(deps, { ...change, via: 'totp-disable' });
  const context = {
    userId: user.id,
    via: 'totp-disable',
    ip: change.ip,
    correlationId: change.correlationId,
  };
  if (!(await spendAttempt(deps, 'second-factor', context, () => verifySecondFactor(deps, user, code)))) {
    await auditFailure(deps, user, change, 'totp-disable');
    throw new AuthenticationFailedError('The code is incorrect or was already used.', INVALID_SECOND_FACTOR);
  }
  // Re-read: verifySecondFactor consumed the code, so the stored state moved on.
  const current = await deps.users.get(user.id);
  if (!current) throw new AuthenticationFailedError('The account no longer exists.', INVALID_SECOND_FACTOR);
  await deps.users.updateTotp(user.id, current.totp, NO_TOTP);
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.totp-disabled',
    actor: user.id,
    correlationId: change.correlationId,
  });
}
