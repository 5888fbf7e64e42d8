import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';
import { generateBackupCodes, hashBackupCode, matchBackupCode } from '../domain/backup-codes.ts';
import { open, seal } from '../domain/crypto-box.ts';
import { generateTotpSecret, otpauthUri, qrSvg, verifyTotp } from '../domain/totp.ts';
import { NO_TOTP, StaleWriteError, type TotpState, type User } from '../store/users.ts';

const ISSUER = 'Nimbus';
const isBackupCode = (code: string) => !/^\d{6}$/.test(code.trim());
// The user id is bound into the ciphertext: a sealed secret copied to another user fails to open.
const aad = (user: User) => `totp:${user.id}`;

/**
 * Checks a TOTP code or a backup code and consumes it (last step / used code written with a
 * conditional update, so the same code cannot be accepted twice, even concurrently).
 */
export async function verifySecondFactor(deps: AuthDeps, user: User, code: string): Promise<boolean> {
  const state = user.totp;
  if (!state.enabled || state.secretSealed === null) return false;
  let next: TotpState;
  if (isBackupCode(code)) {
    const index = matchBackupCode(code, state.backupHashes);
    if (index < 0) return false;
    next = { ...state, backupHashes: state.backupHashes.filter((_, i) => i !== index) };
  } else {
    const secret = open(state.secretSealed, await deps.dataKey(), aad(user));
    const result = verifyTotp(secret, code.trim(), deps.now().getTime(), state.lastStep);
    if (!result.ok) return false;
    next = { ...state, lastStep: result.step };
  }
  try {
    await deps.users.updateTotp(user.id, state, next);
    return true;
  } catch (error) {
    if (error instanceof StaleWriteError) return false; // someone else used a code at the same moment
    throw error;
  }
}

export async function enrollTotp(deps: AuthDeps, user: User) {
  if (user.totp.enabled)
    throw new ConflictingStateError('Two-factor authentication is already active; disable it first.');
  const secret = generateTotpSecret();
  await deps.users.updateTotp(user.id, user.totp, {
    ...user.totp,
    pendingSealed: seal(secret, await deps.dataKey(), aad(user)),
  });
  const uri = otpauthUri({ secret, account: user.email, issuer: ISSUER });
  return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
}

export async function activateTotp(deps: AuthDeps, user: User, code: string, correlationId: string) {
  if (user.totp.enabled) throw new ConflictingStateError('Two-factor authentication is already active.');
  if (user.totp.pendingSealed === null)
    throw new ConflictingStateError('No enrolment in progress: call /v1/auth/totp/enroll first.');
  const secret = open(user.totp.pendingSealed, await deps.dataKey(), aad(user));
  const result = verifyTotp(secret, code.trim(), deps.now().getTime(), null);
  if (!result.ok) return undefined;
  const backupCodes = generateBackupCodes(10);
  await deps.users.updateTotp(user.id, user.totp, {
    secretSealed: user.totp.pendingSealed,
    pendingSealed: null,
    enabled: true,
    lastStep: result.step,
    backupHashes: backupCodes.map(hashBackupCode),
  });
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.totp-enabled',
    actor: user.id,
    correlationId,
  });
  return backupCodes;
}

export async function disableTotp(
  deps: AuthDeps,
  user: User,
  code: string,
  correlationId: string,
): Promise<boolean> {
  if (!user.totp.enabled) throw new ConflictingStateError('Two-factor authentication is not active.');
  if (!(await verifySecondFactor(deps, user, code))) return false;
  // Re-read: verifySecondFactor consumed the code, so the stored state moved on.
  const current = await deps.users.get(user.id);
  if (!current) return false;
  await deps.users.updateTotp(user.id, current.totp, NO_TOTP);
  await deps.invalidateUser(user.id);
  await deps.events.append({
    subject: `user:${user.id}`,
    type: 'security.totp-disabled',
    actor: user.id,
    correlationId,
  });
  return true;
}
