import { seal } from '#shared/crypto-box.ts';
import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { KeyJobDeps } from '../deps.ts';
import { currentSecret, isRotationDue } from '../domain/rotation.ts';
import { ROTATE_DUE_ACTOR } from './audit.ts';
import { rotateSecret, sealedSecretAad } from './rotate.ts';

/** Some due keys could not be rotated; the others were. Thrown after trying every key. */
export class ScheduledRotationError extends Error {
  constructor(
    readonly rotated: readonly string[],
    readonly failed: readonly string[],
    /** Why each failed, in the order of `failed` (store errors: they carry no key material). */
    readonly causes: readonly unknown[],
  ) {
    super(`Scheduled rotation failed for ${failed.length} key(s): ${failed.join(', ')}`);
    this.name = 'ScheduledRotationError';
  }
}

/**
 * The scheduled job's rotation: every key whose schedule is due by `now` gets a new secret with the
 * default overlap, sealed where its owner collects it once (`POST /v1/keys/{keyId}/rotated-secret`),
 * never returned or logged. Idempotent: a rotated key's next due time moves on in the same
 * transaction, so a second run (or a concurrent one) finds nothing more to do for it.
 *
 * Returns the ids rotated. A failure on one key does not stop the others; if any failed, throws
 * `ScheduledRotationError` at the end naming both lists, so the job's run fails and is seen.
 */
export async function rotateDueApiKeys(
  deps: KeyJobDeps,
  now: Date,
  correlationId = `rotate-due:${now.toISOString()}`,
): Promise<{ rotated: string[] }> {
  const rotated: string[] = [];
  const failed: string[] = [];
  const causes: unknown[] = [];
  for (const { keyId, ownerId } of await deps.keys.rotationsDue(now.toISOString())) {
    try {
      const secrets = await deps.keys.secretsOf(ownerId, keyId);
      const current = currentSecret(secrets);
      // An entry whose key was revoked, expired, unscheduled or rotated meanwhile is not due.
      const live =
        current !== undefined &&
        current.revokedAt === null &&
        (current.expiresAt === null || Date.parse(current.expiresAt) > now.getTime());
      if (!live || !isRotationDue(current, now)) continue;
      const sealingKey = await deps.sealingKey();
      await rotateSecret(
        deps,
        { current, secrets },
        {
          overlap: deps.rotation.defaultOverlapSeconds,
          now,
          actor: ROTATE_DUE_ACTOR,
          correlationId,
          seal: async (secret, record) => seal(secret, sealingKey, sealedSecretAad(record)),
        },
      );
      rotated.push(keyId);
    } catch (error) {
      // Another run (or the owner) rotated or revoked it meanwhile: nothing left to do for it.
      if (error instanceof ConflictingStateError) continue;
      failed.push(keyId);
      causes.push(error);
    }
  }
  if (failed.length > 0) throw new ScheduledRotationError(rotated, failed, causes);
  return { rotated };
}
