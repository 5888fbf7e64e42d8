import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { SigningKeyRotationDeps } from '../deps.ts';
import {
  parseStoredKey,
  pendingVersionOf,
  STAGE_OF_STATUS,
  type VersionStage,
} from '../domain/signing-key-versions.ts';
import { readStagedKeys } from '../store/signing-keys.ts';
import {
  cancelPending,
  createSecret,
  finishSecret,
  type RotationContext,
  SIGNING_KEYS_SUBJECT,
  setSecret,
  testSecret,
} from './signing-key-steps.ts';

export type { SigningKeyRotationDeps } from '../deps.ts';

const DAY_MS = 86_400_000;
// Nimbus drives the steps because the target has no rotation enabled: nothing to require.
const DRIVEN = { requireRotationEnabled: false } as const;

/** One staged key as the status route shows it. */
export interface SigningKeyState {
  readonly kid: string;
  readonly stage: VersionStage;
  readonly versionId: string;
  readonly createdAt: string;
  readonly ageSeconds: number;
}

export interface SigningKeyStatus {
  readonly keys: readonly SigningKeyState[];
  readonly rotation: {
    readonly everyDays: number;
    readonly rotatedBy: 'secrets-manager' | 'nimbus';
    /**
     * Secrets Manager's next scheduled rotation; where Nimbus rotates, when the current key falls
     * due (the daily job rotates at its first run after that).
     */
    readonly nextRotationAt: string | null;
    /** The version of a rotation under way (or stopped half-way), if any. */
    readonly pendingVersionId: string | null;
  };
}

/** Kids with their stage and age, and when the next rotation comes. */
export async function signingKeyStatus(deps: SigningKeyRotationDeps, now: Date): Promise<SigningKeyStatus> {
  const [description, staged] = await Promise.all([deps.secret.describe(), readStagedKeys(deps.secret)]);
  const keys = staged.map(({ versionId, status, key }) => ({
    kid: key.kid,
    stage: STAGE_OF_STATUS[status],
    versionId,
    createdAt: key.createdAt,
    ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(key.createdAt)) / 1000)),
  }));
  const current = staged.find((entry) => entry.status === 'current');
  const { everyDays, rotatedBy } = deps.settings;
  const nextRotationAt =
    rotatedBy === 'secrets-manager'
      ? (description.nextRotationAt?.toISOString() ?? null)
      : current === undefined
        ? null
        : new Date(Date.parse(current.key.createdAt) + everyDays * DAY_MS).toISOString();
  return {
    keys,
    rotation: {
      everyDays,
      rotatedBy,
      nextRotationAt,
      pendingVersionId: pendingVersionOf(description.versions) ?? null,
    },
  };
}

function refuseWhilePending(versions: Readonly<Record<string, readonly string[]>>): void {
  const pending = pendingVersionOf(versions);
  if (pending !== undefined) {
    throw new ConflictingStateError(
      `A signing-key rotation is already in progress (version ${pending} is AWSPENDING); it must finish before another starts.`,
      'rotation-in-progress',
    );
  }
}

/**
 * The four steps in order, driven by Nimbus for a target that calls no rotation function. A failed
 * `testSecret` takes the pending key back out (the current key never moved) and rethrows.
 */
export async function rotateSigningKeys(
  deps: SigningKeyRotationDeps,
  ctx: RotationContext,
): Promise<{ readonly versionId: string; readonly kid: string }> {
  refuseWhilePending((await deps.secret.describe()).versions);
  const token = deps.newToken();
  await createSecret(deps, token, ctx, DRIVEN);
  await setSecret(deps, token, ctx, DRIVEN);
  try {
    await testSecret(deps, token, ctx, DRIVEN);
  } catch (error) {
    await cancelPending(deps, token, ctx);
    throw error;
  }
  await finishSecret(deps, token, ctx, DRIVEN);
  const current = await deps.secret.readStage('AWSCURRENT');
  if (current === undefined) throw new Error('rotation finished but the secret has no AWSCURRENT version');
  return { versionId: current.versionId, kid: parseStoredKey(current.value).kid };
}

export interface RotationStarted {
  /** `rotated`: done, the new key signs. `started`: Secrets Manager runs the steps asynchronously. */
  readonly outcome: 'rotated' | 'started';
  readonly versionId: string;
  /** The new signing key; `null` while Secrets Manager has not created it yet. */
  readonly kid: string | null;
}

/**
 * Rotates now (the admin route). Where the target runs the rotation schedule, `RotateSecret` starts
 * Secrets Manager's own run of the rotation function (the same steps); elsewhere Nimbus runs them.
 */
export async function startSigningKeyRotation(
  deps: SigningKeyRotationDeps,
  ctx: RotationContext,
): Promise<RotationStarted> {
  if (deps.settings.rotatedBy === 'nimbus')
    return { outcome: 'rotated', ...(await rotateSigningKeys(deps, ctx)) };
  // Secrets Manager refuses too, but with an error that names no version: check first.
  refuseWhilePending((await deps.secret.describe()).versions);
  const { versionId } = await deps.secret.rotate(deps.newToken());
  await deps.events.append({
    subject: SIGNING_KEYS_SUBJECT,
    type: 'signing-keys.rotation-started',
    actor: ctx.actor,
    correlationId: ctx.correlationId,
    data: { versionId },
  });
  return { outcome: 'started', versionId, kid: null };
}

/** Why `rotateSigningKeysIfDue` did or did not rotate. */
export type RotationDecision = 'rotated' | 'not-due' | 'rotation-in-progress' | 'rotated-by-secrets-manager';

export const SIGNING_KEY_JOB_ACTOR = 'job:signing-key-rotation';

/**
 * The daily job's part: rotates when the current key is older than the stage's rotation period and
 * the target has no rotation schedule of its own. Never throws for a state it can wait out (a
 * rotation in progress): the next run looks again.
 */
export async function rotateSigningKeysIfDue(
  deps: SigningKeyRotationDeps,
  now: Date,
): Promise<{ rotated: boolean; reason: RotationDecision }> {
  if (deps.settings.rotatedBy === 'secrets-manager')
    return { rotated: false, reason: 'rotated-by-secrets-manager' };
  const current = await deps.secret.readStage('AWSCURRENT');
  if (current === undefined) throw new Error('the signing-key secret has no AWSCURRENT version');
  const age = now.getTime() - Date.parse(parseStoredKey(current.value).createdAt);
  if (age < deps.settings.everyDays * DAY_MS) return { rotated: false, reason: 'not-due' };
  if (pendingVersionOf((await deps.secret.describe()).versions) !== undefined) {
    deps.log.info('signing key rotation due but one is in progress; retried next run', {});
    return { rotated: false, reason: 'rotation-in-progress' };
  }
  const { kid } = await rotateSigningKeys(deps, { actor: SIGNING_KEY_JOB_ACTOR, correlationId: null });
  deps.log.info('signing key rotated by the daily job', { kid });
  return { rotated: true, reason: 'rotated' };
}
