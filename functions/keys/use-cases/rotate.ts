import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { KeyDeps, RotateKeyDeps } from '../deps.ts';
import { generateApiKey } from '../domain/api-keys.ts';
import { endedSecrets, overlapEnd, overlapSeconds } from '../domain/rotation.ts';
import { type ApiKeyRecord, KeyChangedError } from '../store/api-keys.ts';
import { type ManagedKey, managedKey } from './access.ts';
import { appendKeyEvent } from './audit.ts';
import { publicKey } from './public-key.ts';

export interface RotateRequest {
  /** How long the old secret keeps working; the configured default when absent, 0 = at once. */
  readonly overlapSeconds?: number | undefined;
  /** Step-up, unless the caller's password login is recent. */
  readonly password?: string | undefined;
}

export interface Rotated {
  readonly record: ApiKeyRecord;
  /** The new secret: handed to the caller once, or sealed for collection. Never logged. */
  readonly key: string;
  readonly overlapEndsAt: string;
}

interface RotateOptions {
  readonly overlap: number;
  readonly now: Date;
  readonly actor: string;
  readonly correlationId: string;
  /** Seals the new secret for the owner to collect (scheduled rotations); absent: shown to the caller. */
  readonly seal?: (secret: string, record: ApiKeyRecord) => Promise<string>;
}

/** Binds a sealed secret to its key and generation: copied onto another record, it fails to open. */
export const sealedSecretAad = (record: Pick<ApiKeyRecord, 'id' | 'generation'>) =>
  `apikey:${record.id}:${record.generation}`;

/**
 * Gives the key a new secret. The key keeps its id, name, owner, permissions and expiry; the old
 * secret is marked superseded and ends at `now + overlap` (or the key's expiry if sooner), in the
 * same transaction that stores the new one. The authorizer checks a secret's end on every request,
 * so the overlap ends exactly; `invalidateUser` makes every authorizer re-read the old secret's end
 * within 1 s, so an overlap of 0 is as quick as a revocation.
 */
export async function rotateSecret(deps: KeyDeps, key: ManagedKey, options: RotateOptions): Promise<Rotated> {
  const { current, secrets } = key;
  const { now } = options;
  if (current.revokedAt !== null) throw new ConflictingStateError('A revoked key cannot be rotated.');
  if (current.expiresAt !== null && Date.parse(current.expiresAt) <= now.getTime())
    throw new ConflictingStateError('An expired key cannot be rotated.');
  const generated = generateApiKey(deps.environment);
  const next: ApiKeyRecord = {
    ...current,
    hash: generated.hash,
    prefix: generated.prefix,
    generation: current.generation + 1,
    rotatedAt: now.toISOString(),
    supersededAt: null,
    lastUsedAt: null,
    secretToCollect: options.seal !== undefined,
  };
  const overlapEndsAt = overlapEnd(now, options.overlap, current.expiresAt);
  const sealedSecret = options.seal === undefined ? null : await options.seal(generated.key, next);
  try {
    await deps.keys.rotate({
      current,
      next,
      currentEndsAt: overlapEndsAt,
      sealedSecret,
      ended: endedSecrets(secrets, now),
    });
  } catch (error) {
    if (error instanceof KeyChangedError)
      throw new ConflictingStateError('The key was rotated or revoked meanwhile; read it again.');
    throw error;
  }
  await deps.invalidateUser(current.ownerId);
  await appendKeyEvent(deps, next, 'security.apikey-rotated', options.actor, options.correlationId, {
    previousPrefix: current.prefix,
    overlapSeconds: options.overlap,
    overlapEndsAt,
    scheduled: options.seal !== undefined,
    ...(options.actor === current.ownerId ? {} : { ownerId: current.ownerId }),
  });
  return { record: next, key: generated.key, overlapEndsAt };
}

/**
 * `POST /v1/keys/{keyId}/rotate`: a new secret for one of the caller's keys (an administrator's:
 * any key), shown once. Rotation hands out a secret, so it needs step-up as creation does.
 */
export async function rotateKey(
  deps: RotateKeyDeps,
  caller: Principal,
  keyId: string,
  input: RotateRequest,
  correlationId: string,
  ip: string | null = null,
) {
  const overlap = overlapSeconds(input.overlapSeconds, deps.rotation);
  const key = await managedKey(deps, caller, keyId);
  // After the checks of the request itself, so a malformed request spends no password attempt.
  await deps.confirmStepUp({ caller, password: input.password, via: 'keys-rotate', ip, correlationId });
  const rotated = await rotateSecret(deps, key, {
    overlap,
    now: deps.now(),
    actor: caller.id,
    correlationId,
  });
  return {
    ...publicKey(rotated.record),
    key: rotated.key,
    previousPrefix: key.current.prefix,
    overlapEndsAt: rotated.overlapEndsAt,
  };
}
