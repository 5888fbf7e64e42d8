import type { AuditEvent } from '#shared/audit/event-store.ts';
import type { AuditDeps } from '../deps.ts';

export interface AuditPage {
  readonly items: readonly AuditEvent[];
  /** Pass as `before` for the next (older) page; `null` when this page is the last. */
  readonly next: number | null;
}

/**
 * One page of a subject's trail, newest first. Versions start at 1 and have no gaps, so a full
 * page whose oldest event is version 1 is known to be the last without another read.
 */
export async function listAuditTrail(
  deps: AuditDeps,
  subject: string,
  page: { limit: number; before?: number | undefined },
): Promise<AuditPage> {
  const items = await deps.events.list(subject, { limit: page.limit, before: page.before });
  const last = items.at(-1);
  return { items, next: items.length === page.limit && last && last.version > 1 ? last.version : null };
}
