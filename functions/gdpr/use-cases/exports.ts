import { ResourceNotFoundError } from '#shared/domain-errors.ts';
import type { Principal } from '#shared/http/principal.ts';
import type { ExportRequestDeps, GdprDeps, WorkflowDeps } from '../deps.ts';
import { assertMayActOn, mayActOn } from '../domain/access.ts';
import { DATA_MAP } from '../domain/data-map.ts';
import type { ExportRecord } from '../domain/requests.ts';

const DAY_MS = 86_400_000;
/** An export over this size would not fit one table item: it fails with a clear reason. */
const MAX_DOCUMENT_BYTES = 350_000;

/** Queues an export of one person's data; the worker assembles it. */
export async function requestExport(
  deps: ExportRequestDeps,
  caller: Principal,
  userId: string,
  correlationId: string,
): Promise<{ exportId: string; status: 'queued'; expiresAt: string }> {
  assertMayActOn(caller, userId);
  if ((await deps.people.emailOf(userId)) === undefined) throw new ResourceNotFoundError('No such user.');
  const now = deps.now();
  const record: ExportRecord = {
    exportId: deps.newId(),
    userId,
    status: 'queued',
    requestedAt: now.toISOString(),
    readyAt: null,
    expiresAt: new Date(now.getTime() + deps.settings.retentionDays.exports * DAY_MS).toISOString(),
    document: null,
    error: null,
  };
  await deps.requests.createExport(record);
  await deps.exportQueue.send({ exportId: record.exportId, correlationId });
  await deps.events.append({
    subject: `user:${userId}`,
    type: 'gdpr.export-requested',
    actor: caller.id,
    correlationId,
    data: { exportId: record.exportId },
  });
  return { exportId: record.exportId, status: 'queued', expiresAt: record.expiresAt };
}

/** An export as its requester sees it: someone else's, or one past its expiry, does not exist. */
export async function readExport(deps: GdprDeps, caller: Principal, exportId: string) {
  const record = await deps.requests.getExport(exportId);
  if (
    record === undefined ||
    !mayActOn(caller, record.userId) ||
    Date.parse(record.expiresAt) <= deps.now().getTime()
  )
    throw new ResourceNotFoundError('No such export.');
  const { userId: _userId, error: _error, ...shown } = record;
  return shown;
}

/**
 * The worker's part (one SQS message): walks the data map and writes one JSON document with every
 * store's data of the person. A redelivered message of a finished export does nothing. A store
 * that fails throws, so SQS redelivers (and after its retries the message lands in the DLQ).
 */
export async function assembleExport(
  deps: WorkflowDeps,
  exportId: string,
): Promise<'ready' | 'skipped' | 'failed'> {
  const record = await deps.requests.getExport(exportId);
  if (record === undefined || !(await deps.requests.startExport(exportId))) return 'skipped';
  const email = (await deps.people.emailOf(record.userId)) ?? null;
  const subject = { userId: record.userId, email };
  const stores: Record<string, unknown> = {};
  for (const entry of DATA_MAP) {
    const store = deps.stores.get(entry.id);
    if (store === undefined) continue;
    stores[entry.id] = await store.export(subject);
  }
  const at = deps.now().toISOString();
  const document = {
    format: 'nimbus-personal-data-export/1',
    exportId,
    generatedAt: at,
    subject: { userId: record.userId },
    // What each store is and how long it keeps data, so the document explains itself.
    dataMap: DATA_MAP.map(({ id, location, fields, rule, retention }) => ({
      id,
      location,
      fields,
      rule: rule.kind,
      retention,
    })),
    stores,
  };
  if (Buffer.byteLength(JSON.stringify(document)) > MAX_DOCUMENT_BYTES) {
    await deps.requests.finishExport(exportId, { status: 'failed', at, error: 'document-too-large' });
    return 'failed';
  }
  await deps.requests.finishExport(exportId, { status: 'ready', at, document });
  return 'ready';
}
