import { seal } from '#shared/crypto-box.ts';
import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { AuthDeps } from '../deps.ts';
import { generateTotpSecret, otpauthUri } from '../domain/totp.ts';
import { qrSvg } from '../domain/totp-qr.ts';
import type { User } from '../store/users.ts';
import { totpSecretAad } from './second-factor.ts';
import { confirmStepUp, type SensitiveChange } from './step-up.ts';

const ISSUER = 'Nimbus';

/**
 * Starts an enrolment: a new secret sealed as pending (activated by `activateTotp` in
 * `second-factor.ts`), its URI and QR code. In a module of its own so that only the enrolment
 * route's function carries the QR code library (`domain/totp-qr.ts`).
 */
export async function enrollTotp(deps: AuthDeps, user: User, change: SensitiveChange) {
  if (user.totp.enabled)
    throw new ConflictingStateError('Two-factor authentication is already active; disable it first.');
  await confirmStepUp(deps, { ...change, via: 'totp-enroll' });
  const secret = generateTotpSecret();
  await deps.users.updateTotp(user.id, user.totp, {
    ...user.totp,
    pendingSealed: seal(secret, await deps.dataKey(), totpSecretAad(user)),
  });
  const uri = otpauthUri({ secret, account: user.email, issuer: ISSUER });
  return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
}
