import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { KeyDeps } from '../deps.ts';
import { KeyChangedError } from '../store/api-keys.ts';
import { managedKey } from './access.ts';
import { appendKeyEvent } from './audit.ts';

// A rotation racing the revocation makes the transaction fail; reading again picks up its secret.
const ATTEMPTS = 3;

/**
 * Revokes a key: every secret it has (the current one and any old one still inside its rotation
 * overlap) at once, so no secret of a revoked key is accepted once the authorizers see it (1 s).
 * A user revokes their own keys (another user's is "not found"); an administrator any key.
 */
export async function revokeKey(
  deps: KeyDeps,
  caller: Principal,
  keyId: string,
  correlationId: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const { current, secrets } = await managedKey(deps, caller, keyId);
    try {
      await deps.keys.revokeKey(secrets, deps.now().toISOString());
    } catch (error) {
      if (!(error instanceof KeyChangedError)) throw error;
      if (attempt < ATTEMPTS) continue;
      throw new ConflictingStateError('The key kept changing while being revoked; try again.');
    }
    await deps.invalidateUser(current.ownerId);
    await appendKeyEvent(
      deps,
      current,
      'security.apikey-revoked',
      caller.id,
      correlationId,
      current.ownerId === caller.id ? {} : { ownerId: current.ownerId },
    );
    return;
  }
}
