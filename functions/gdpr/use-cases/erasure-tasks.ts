import type { WorkflowDeps } from '../deps.ts';
import { DATA_MAP, ERASED_STORES } from '../domain/data-map.ts';
import type { DataSubject } from '../domain/personal-data.ts';
import type { ErasureReceipt, ErasureRecord, StoreProgress } from '../domain/requests.ts';
import { ErasureStateError } from '../store/requests.ts';

/**
 * The erasure state machine's tasks (`lib/constructs/erasure-workflow.ts`). Its input carries only
 * the erasure id: each task reads the person from the request, so no personal data enters the
 * execution history. Every task is idempotent, and each returns a result the machine branches on
 * (never an error name: the emulator renames them all).
 */

export interface StoreTask {
  readonly erasureId: string;
  readonly store: string;
}

async function running(deps: WorkflowDeps, erasureId: string): Promise<ErasureRecord & { userId: string }> {
  const record = await deps.requests.getErasure(erasureId);
  if (record === undefined || record.status !== 'running' || record.userId === null)
    throw new Error(`erasure ${erasureId} is not running`);
  return record as ErasureRecord & { userId: string };
}

const subjectOf = (record: ErasureRecord & { userId: string }): DataSubject => ({
  userId: record.userId,
  email: record.email,
});

/**
 * The point of no return, after the grace period: a cancelled or completed erasure stops here (a
 * second run of a finished erasure is a no-op); otherwise it is marked running, with the email
 * captured for the stores keyed by it, and the stores to erase are handed to the Map state.
 */
export async function beginErasure(
  deps: WorkflowDeps,
  erasureId: string,
): Promise<{ proceed: boolean; status: string; stores: StoreTask[] }> {
  const record = await deps.requests.getErasure(erasureId);
  if (
    record === undefined ||
    record.userId === null ||
    record.status === 'cancelled' ||
    record.status === 'completed'
  )
    return { proceed: false, status: record?.status ?? 'unknown', stores: [] };
  const email = (await deps.people.emailOf(record.userId)) ?? null;
  try {
    await deps.requests.beginErasure(erasureId, email, deps.now().toISOString());
  } catch (error) {
    // Cancelled between the read and the write: the cancel won.
    if (error instanceof ErasureStateError) return { proceed: false, status: 'cancelled', stores: [] };
    throw error;
  }
  return { proceed: true, status: 'running', stores: ERASED_STORES.map((store) => ({ erasureId, store })) };
}

/** Erases one store (the Map's iteration); a throw is retried by the state machine with backoff. */
export async function eraseStore(
  deps: WorkflowDeps,
  task: StoreTask,
): Promise<{ store: string; items: number }> {
  const record = await running(deps, task.erasureId);
  const store = deps.stores.get(task.store);
  if (store === undefined) throw new Error(`no adapter for store ${task.store}`);
  const report = await store.erase(subjectOf(record));
  const progress: StoreProgress = { ...report, status: 'erased', at: deps.now().toISOString() };
  // A re-run after a failure keeps what the first run found (it erased; this one finds nothing).
  const earlier = record.stores?.[task.store];
  await deps.requests.recordStore(
    task.erasureId,
    earlier !== undefined && earlier.status === 'erased' && earlier.items >= report.items
      ? earlier
      : progress,
  );
  return { store: task.store, items: report.items };
}

/** Looks at every store again: what still identifies the person, per store. */
export async function verifyErasure(
  deps: WorkflowDeps,
  erasureId: string,
): Promise<{ clean: boolean; remaining: Record<string, number>; firstDirty: string | null }> {
  const record = await running(deps, erasureId);
  const subject = subjectOf(record);
  const remaining: Record<string, number> = {};
  for (const id of ERASED_STORES) {
    const store = deps.stores.get(id);
    if (store === undefined) throw new Error(`no adapter for store ${id}`);
    remaining[id] = await store.verify(subject);
  }
  const firstDirty = Object.entries(remaining).find(([, count]) => count > 0)?.[0] ?? null;
  return { clean: firstDirty === null, remaining, firstDirty };
}

/** Writes the receipt and completes: the request forgets the person. */
export async function finishErasure(
  deps: WorkflowDeps,
  input: { erasureId: string; remaining: Record<string, number> },
): Promise<{ status: 'completed' }> {
  const record = await deps.requests.getErasure(input.erasureId);
  if (record?.status === 'completed') return { status: 'completed' };
  const current = await running(deps, input.erasureId);
  const completedAt = deps.now().toISOString();
  const stores = ERASED_STORES.map(
    (id): StoreProgress =>
      current.stores?.[id] ?? {
        store: id,
        items: 0,
        fields: { erased: [], anonymised: [], shredded: [] },
        status: 'erased',
        at: completedAt,
      },
  );
  const requestsEntry = DATA_MAP.find((entry) => entry.id === 'erasure-requests');
  const anonymised = requestsEntry?.rule.kind === 'anonymise' ? Object.keys(requestsEntry.rule.fields) : [];
  const receipt: ErasureReceipt = {
    erasureId: current.erasureId,
    requestHash: current.requestHash,
    reason: current.reason,
    requestedAt: current.requestedAt,
    startedAt: current.startedAt ?? completedAt,
    completedAt,
    stores: [
      ...stores,
      {
        store: 'erasure-requests',
        items: 1,
        fields: { erased: [], anonymised, shredded: [] },
        status: 'erased',
        at: completedAt,
      },
    ],
    verification: { checkedAt: completedAt, remaining: input.remaining },
  };
  await deps.requests.completeErasure(current, receipt);
  await deps.events.append({
    subject: `gdpr-erasure:${current.erasureId}`,
    type: 'gdpr.erasure-completed',
    actor: 'system',
    data: {
      requestHash: current.requestHash,
      stores: receipt.stores.map((s) => ({ store: s.store, items: s.items })),
    },
  });
  return { status: 'completed' };
}

/** A store failed after its retries (or verification found data left): marked failed, reported for on-call. */
export async function failErasure(deps: WorkflowDeps, task: StoreTask): Promise<{ status: 'failed' }> {
  const at = deps.now().toISOString();
  try {
    await deps.requests.failErasure(task.erasureId, task.store, at);
  } catch (error) {
    // Already failed by a sibling iteration: one report is enough.
    if (error instanceof ErasureStateError) return { status: 'failed' };
    throw error;
  }
  await deps.failures.report({ erasureId: task.erasureId, store: task.store });
  await deps.events.append({
    subject: `gdpr-erasure:${task.erasureId}`,
    type: 'gdpr.erasure-failed',
    actor: 'system',
    data: { store: task.store },
  });
  return { status: 'failed' };
}
