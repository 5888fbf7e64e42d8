import type { User } from '../store/users.ts';

/** Whether a GDPR erasure holds the account: in its grace period or running. */
export const isErasureLocked = (user: Pick<User, 'erasureLock'>): boolean =>
  typeof user.erasureLock === 'string' && user.erasureLock !== '';
