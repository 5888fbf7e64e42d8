import { NotPermittedError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import { grants } from '#shared/rbac.ts';

/** Administrators act on anyone's GDPR data; a signed-in person on their own only. */
export const GDPR_ADMIN_PERMISSION = 'gdpr:admin';

/**
 * Who may act on a person's data: the person themselves, signed in, or an administrator. Never an
 * API key: a key is a machine caller, not the person who made it (and keys cannot hold
 * `gdpr:admin`), so a leaked key can neither read nor change anyone's data. The one rule every
 * GDPR use case applies.
 */
export function mayActOn(caller: Principal, userId: string): boolean {
  if (caller.kind !== 'user') return false;
  return caller.id === userId || grants(caller.permissions, GDPR_ADMIN_PERMISSION);
}

/** `mayActOn`, as a refusal: for use cases that answer 403 rather than "not found". */
export function assertMayActOn(caller: Principal, userId: string): void {
  if (caller.kind !== 'user') throw new NotPermittedError("API keys cannot act on a person's data.");
  if (!mayActOn(caller, userId))
    throw new NotPermittedError("Only the person themselves or an administrator may act on a person's data.");
}
