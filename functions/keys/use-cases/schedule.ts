import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { KeyDeps } from '../deps.ts';
import { rotationDueAt } from '../domain/rotation.ts';
import { KeyChangedError } from '../store/api-keys.ts';
import { managedKey } from './access.ts';
import { appendKeyEvent } from './audit.ts';

/**
 * Sets (`everyDays`) or clears (`null`) a key's rotation schedule. The scheduled job rotates the key
 * `everyDays` after its current secret was issued, then again every `everyDays`.
 */
export async function setRotationSchedule(
  deps: KeyDeps,
  caller: Principal,
  keyId: string,
  everyDays: number | null,
  correlationId: string,
) {
  const { current } = await managedKey(deps, caller, keyId);
  if (current.revokedAt !== null)
    throw new ConflictingStateError('A revoked key cannot be scheduled for rotation.');
  const after = { ...current, rotationEveryDays: everyDays };
  if (current.rotationEveryDays !== everyDays) {
    try {
      await deps.keys.setRotationSchedule(current, everyDays);
    } catch (error) {
      if (error instanceof KeyChangedError)
        throw new ConflictingStateError('The key was rotated or revoked meanwhile; read it again.');
      throw error;
    }
    await deps.invalidateUser(current.ownerId);
    await appendKeyEvent(
      deps,
      current,
      everyDays === null ? 'security.apikey-rotation-unscheduled' : 'security.apikey-rotation-scheduled',
      caller.id,
      correlationId,
      {
        everyDays,
        dueAt: rotationDueAt(after),
        ...(current.ownerId === caller.id ? {} : { ownerId: current.ownerId }),
      },
    );
  }
  return { id: current.id, everyDays, dueAt: rotationDueAt(after) };
}
