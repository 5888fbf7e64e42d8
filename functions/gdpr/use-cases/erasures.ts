import { ConflictingStateError, ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { ErasureRequestDeps, GdprDeps } from '../deps.ts';
import { assertMayActOn, mayActOn } from '../domain/access.ts';
import { type ErasureReason, type ErasureRecord, requestHash } from '../domain/requests.ts';
import { ErasureOpenError, ErasureStateError } from '../store/requests.ts';

/** An erasure as the API shows it: no user id, no email. */
export function erasureView(record: ErasureRecord) {
  return {
    erasureId: record.erasureId,
    status: record.status,
    reason: record.reason,
    requestedAt: record.requestedAt,
    notBefore: record.notBefore,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    failedStore: record.failedStore,
    stores: Object.values(record.stores ?? {}),
    receipt: record.receipt,
  };
}

/**
 * Accepts an erasure: the account is locked at once (intact, cancellable during the grace period)
 * and the workflow starts, waiting out the grace period before its point of no return.
 */
export async function requestErasure(
  deps: ErasureRequestDeps,
  caller: Principal,
  input: { userId: string; reason: ErasureReason },
  correlationId: string,
) {
  assertMayActOn(caller, input.userId);
  if ((await deps.people.emailOf(input.userId)) === undefined)
    throw new ResourceNotFoundError('No such user.');
  const now = deps.now();
  const erasureId = deps.newId();
  const requestedAt = now.toISOString();
  const record: ErasureRecord = {
    erasureId,
    status: 'pending',
    userId: input.userId,
    email: null,
    reason: input.reason,
    requestedBy: caller.id === input.userId ? 'subject' : 'administrator',
    requestedAt,
    notBefore: new Date(now.getTime() + deps.settings.erasureGraceSeconds * 1000).toISOString(),
    requestHash: requestHash(erasureId, input.userId, input.reason, requestedAt),
    startedAt: null,
    finishedAt: null,
    stores: {},
    failedStore: null,
    receipt: null,
  };
  try {
    await deps.requests.createErasure(record);
  } catch (error) {
    if (error instanceof ErasureOpenError)
      throw new ConflictingStateError(
        `An erasure of this person is already open: ${error.erasureId}.`,
        'erasure-open',
      );
    throw error;
  }
  await deps.people.lock(input.userId, erasureId);
  await deps.people.invalidate(input.userId);
  await deps.workflow.start(erasureId, deps.settings.erasureGraceSeconds, correlationId);
  await deps.events.append({
    subject: `gdpr-erasure:${erasureId}`,
    type: 'gdpr.erasure-requested',
    actor: caller.id,
    correlationId,
    data: { reason: input.reason, requestedBy: record.requestedBy, notBefore: record.notBefore },
  });
  return erasureView(record);
}

/** Only the person (while the request still names them) or a `gdpr:admin` sees an erasure. */
async function visibleErasure(deps: GdprDeps, caller: Principal, erasureId: string): Promise<ErasureRecord> {
  const record = await deps.requests.getErasure(erasureId);
  const allowed =
    record !== undefined && (record.userId === null ? mayActOn(caller, '') : mayActOn(caller, record.userId));
  if (!record || !allowed) throw new ResourceNotFoundError('No such erasure.');
  return record;
}

export async function readErasure(deps: GdprDeps, caller: Principal, erasureId: string) {
  return erasureView(await visibleErasure(deps, caller, erasureId));
}

/** Cancels an erasure still in its grace period: unlocks the account; nothing had been erased. */
export async function cancelErasure(
  deps: ErasureRequestDeps,
  caller: Principal,
  erasureId: string,
  correlationId: string,
) {
  const record = await visibleErasure(deps, caller, erasureId);
  if (record.status !== 'pending' || record.userId === null)
    throw new ConflictingStateError(
      `This erasure is ${record.status}: only a pending one can be cancelled.`,
      'erasure-not-cancellable',
    );
  const at = deps.now().toISOString();
  try {
    await deps.requests.cancelErasure(erasureId, record.userId, record.requestedAt, at);
  } catch (error) {
    if (error instanceof ErasureStateError)
      throw new ConflictingStateError(
        'This erasure just passed its point of no return and can no longer be cancelled.',
        'erasure-not-cancellable',
      );
    throw error;
  }
  await deps.people.lock(record.userId, null);
  await deps.people.invalidate(record.userId);
  await deps.workflow.stop(erasureId);
  await deps.events.append({
    subject: `gdpr-erasure:${erasureId}`,
    type: 'gdpr.erasure-cancelled',
    actor: caller.id,
    correlationId,
  });
  return erasureView({ ...record, status: 'cancelled', finishedAt: at });
}
