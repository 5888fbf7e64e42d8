import { ConflictingStateError } from '#shared/domain-errors.ts';
import type { SigningKeyRotationDeps } from '../deps.ts';
import { SIGNING_KEYS_TAG } from '../domain/cache-tags.ts';
import { generateSigningKey } from '../domain/jwt.ts';
import {
  currentVersionOf,
  parseStoredKey,
  pendingVersionOf,
  probeSigningKey,
  serializeStoredKey,
} from '../domain/signing-key-versions.ts';
import type { SecretDescription } from '../store/signing-keys.ts';

/**
 * Secrets Manager's four rotation steps for the signing-key secret, one key per version. Each is
 * idempotent on the `ClientRequestToken` (the new version's id): Secrets Manager retries a failed
 * rotation with the same token, and a step repeated after it succeeded changes nothing. `AWSCURRENT`
 * moves in `finishSecret` only. The rotation function runs them on Secrets Manager's schedule;
 * `rotateSigningKeys` runs the same functions in order where the target calls no rotation function.
 */

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** Who caused a step, for the audit trail. */
export interface RotationContext {
  /** A user id, `secretsmanager` (its schedule or `RotateSecret`) or `job:<name>`. */
  readonly actor: string;
  readonly correlationId: string | null;
}

export interface StepOptions {
  /**
   * Refuse a secret whose rotation is not enabled, as the AWS rotation templates do: only
   * Secrets Manager invokes the rotation function, and only for a secret it rotates. Off where
   * Nimbus drives the steps itself, precisely because the target enables no rotation.
   */
  readonly requireRotationEnabled: boolean;
}

/** Audit subject of every signing-key change (`GET /v1/audit?subject=signing-keys`). */
export const SIGNING_KEYS_SUBJECT = 'signing-keys';

/** Drops what every container derived from the old labels, then records the change. */
async function stagesChanged(
  deps: SigningKeyRotationDeps,
  ctx: RotationContext,
  type: string,
  data: Readonly<Record<string, string | null>>,
): Promise<void> {
  await deps.invalidateTags([SIGNING_KEYS_TAG]);
  await deps.events.append({
    subject: SIGNING_KEYS_SUBJECT,
    type,
    actor: ctx.actor,
    correlationId: ctx.correlationId,
    data,
  });
}

/**
 * What the AWS rotation templates check first: rotation enabled (where asked), and the token's
 * version pending. `done`: the version is already current (a step repeated after `finishSecret`).
 */
async function check(
  deps: SigningKeyRotationDeps,
  token: string,
  step: RotationStep,
  options: StepOptions,
): Promise<{ description: SecretDescription; done: boolean }> {
  const description = await deps.secret.describe();
  if (options.requireRotationEnabled && !description.rotationEnabled) {
    throw new Error(`${step}: the signing-key secret is not enabled for rotation`);
  }
  const stages = description.versions[token];
  // RotateSecret creates the version before createSecret; Nimbus's own rotation lets createSecret do it.
  if (stages === undefined && step === 'createSecret') return { description, done: false };
  if (stages === undefined) throw new Error(`${step}: the secret has no version ${token}`);
  if (stages.includes('AWSCURRENT')) return { description, done: true };
  if (!stages.includes('AWSPENDING')) throw new Error(`${step}: version ${token} is not AWSPENDING`);
  return { description, done: false };
}

/**
 * Puts a fresh ES256 key in the version `token`, labelled `AWSPENDING`: from the next load on,
 * every verifier and the JWKS know it, and nothing signs with it yet. Refused while another
 * version is pending: one rotation at a time.
 */
export async function createSecret(
  deps: SigningKeyRotationDeps,
  token: string,
  ctx: RotationContext,
  options: StepOptions,
): Promise<void> {
  const { description, done } = await check(deps, token, 'createSecret', options);
  if (done) return;
  // The current key must be readable: a rotation must not start from a secret nobody can use.
  const current = await deps.secret.readStage('AWSCURRENT');
  if (current === undefined) throw new Error('createSecret: the secret has no AWSCURRENT version');
  parseStoredKey(current.value);
  if ((await deps.secret.readVersion(token, 'AWSPENDING')) !== undefined) {
    deps.log.info('signing key rotation: createSecret already done', { versionId: token });
    return;
  }
  const other = pendingVersionOf(description.versions);
  if (other !== undefined && other !== token) {
    throw new ConflictingStateError(
      `A signing-key rotation is already in progress (version ${other} is AWSPENDING); it must finish before another starts.`,
      'rotation-in-progress',
    );
  }
  const key = await generateSigningKey(deps.now(), 'pending');
  await deps.secret.putPending(token, serializeStoredKey(key));
  deps.log.info('signing key rotation: pending key created', { versionId: token, kid: key.kid });
  await stagesChanged(deps, ctx, 'signing-keys.pending-created', { kid: key.kid, versionId: token });
}

/** Nothing outside the secret holds the key (verifiers read the secret): nothing to set. */
export async function setSecret(
  deps: SigningKeyRotationDeps,
  token: string,
  _ctx: RotationContext,
  options: StepOptions,
): Promise<void> {
  const { done } = await check(deps, token, 'setSecret', options);
  if (!done)
    deps.log.info('signing key rotation: setSecret has no external system to update', { versionId: token });
}

/**
 * The pending key must sign a probe token and verify it with its public half. A failure is
 * logged and counted (`SigningKeyRotationTestFailures`) and thrown: Secrets Manager then stops the
 * rotation and the current key stays in force.
 */
export async function testSecret(
  deps: SigningKeyRotationDeps,
  token: string,
  ctx: RotationContext,
  options: StepOptions,
): Promise<void> {
  const { done } = await check(deps, token, 'testSecret', options);
  if (done) return;
  try {
    const value = await deps.secret.readVersion(token, 'AWSPENDING');
    if (value === undefined) throw new Error('the pending version has no value');
    await probeSigningKey(parseStoredKey(value), deps.now());
  } catch (error) {
    // Our parse and probe errors name the problem only; never the error object, which a
    // library could fill with its input.
    const reason = error instanceof Error ? error.message : 'unknown';
    deps.countMetric('SigningKeyRotationTestFailures');
    deps.log.error('signing key rotation: testSecret failed, the current key stays in force', {
      versionId: token,
      reason,
    });
    await deps.events.append({
      subject: SIGNING_KEYS_SUBJECT,
      type: 'signing-keys.test-failed',
      actor: ctx.actor,
      correlationId: ctx.correlationId,
      data: { versionId: token, reason },
    });
    throw new Error(`testSecret: the pending signing key failed its probe (${reason})`);
  }
}

/**
 * Makes the pending key the signing one: `AWSCURRENT` moves to the token's version (the old one
 * becomes `AWSPREVIOUS` and keeps verifying; the one before loses its label and is gone), then
 * `AWSPENDING` comes off the new current version.
 */
export async function finishSecret(
  deps: SigningKeyRotationDeps,
  token: string,
  ctx: RotationContext,
  options: StepOptions,
): Promise<void> {
  const { description, done } = await check(deps, token, 'finishSecret', options);
  const stillPending = description.versions[token]?.includes('AWSPENDING') === true;
  if (done) {
    // Repeated after the move but before the label came off: only that part is left.
    if (stillPending) {
      await deps.secret.removePending(token);
      await stagesChanged(deps, ctx, 'signing-keys.pending-removed', { versionId: token });
    }
    return;
  }
  const value = await deps.secret.readVersion(token, 'AWSPENDING');
  if (value === undefined) throw new Error(`finishSecret: version ${token} has no value`);
  const kid = parseStoredKey(value).kid;
  const previous = currentVersionOf(description.versions);
  if (previous === undefined) throw new Error('finishSecret: the secret has no AWSCURRENT version');
  await deps.secret.moveCurrent(token, previous);
  await deps.secret.removePending(token);
  deps.log.info('signing key rotation: new key is current', { versionId: token, kid });
  await stagesChanged(deps, ctx, 'signing-keys.rotated', {
    kid,
    versionId: token,
    previousVersionId: previous,
  });
}

export const ROTATION_STEPS: Readonly<
  Record<
    RotationStep,
    (deps: SigningKeyRotationDeps, token: string, ctx: RotationContext, options: StepOptions) => Promise<void>
  >
> = { createSecret, setSecret, testSecret, finishSecret };

/**
 * Abandons a rotation Nimbus drove whose `testSecret` failed: `AWSPENDING` comes off the version
 * (it leaves the JWKS), so the next rotation is not refused as "in progress".
 */
export async function cancelPending(
  deps: SigningKeyRotationDeps,
  token: string,
  ctx: RotationContext,
): Promise<void> {
  const { versions } = await deps.secret.describe();
  const stages = versions[token] ?? [];
  if (!stages.includes('AWSPENDING') || stages.includes('AWSCURRENT')) return;
  await deps.secret.removePending(token);
  await stagesChanged(deps, ctx, 'signing-keys.rotation-cancelled', { versionId: token });
}
