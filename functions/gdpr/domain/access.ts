import type { Principal } from '#shared/http/principal.ts';
import { grants } from '#shared/rbac.ts';

/**
 * Who may act on a person's data: the person themselves (signed in, not through an API key), or a
 * holder of `gdpr:admin`. The one rule every GDPR use case applies.
 */
export function mayActOn(caller: Principal, userId: string): boolean {
  return (caller.kind === 'user' && caller.id === userId) || grants(caller.permissions, 'gdpr:admin');
}
