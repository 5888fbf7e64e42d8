import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { KeyDeps } from '../deps.ts';

/**
 * Revokes one of the caller's keys. Keys are looked up under the caller's own id, so another
 * user's key id is simply "not found": nobody learns it exists.
 */
export async function revokeKey(
  deps: KeyDeps,
  caller: Principal,
  keyId: string,
  correlationId: string,
): Promise<void> {
  const record = await deps.keys.getById(caller.id, keyId);
  if (!record) throw new ResourceNotFoundError('No such API key.');
  await deps.keys.revoke(record.hash, deps.now().toISOString());
  await deps.invalidateUser(caller.id);
  await deps.events.append({
    subject: `apikey:${record.id}`,
    type: 'security.apikey-revoked',
    actor: caller.id,
    correlationId,
    data: { prefix: record.prefix },
  });
}
