import type { GdprSettings } from '../config.ts';
import type { RequestStore } from '../store/requests.ts';
import type { RetentionStore, SweptClass } from '../store/retention.ts';

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  readonly retention: RetentionStore;
  readonly requests: Pick<RequestStore, 'openErasuresBefore'>;
  readonly settings: GdprSettings;
}

export interface RetentionOutcome {
  readonly deleted: Record<SweptClass, number>;
  /** Erasures still open past the deadline (days from their request): each one is a legal risk. */
  readonly overdueErasures: readonly string[];
}

/** The daily retention run at `now` (injected: the tests move the clock, not the data). */
export async function applyRetention(deps: RetentionDeps, now: Date): Promise<RetentionOutcome> {
  const at = now.getTime();
  const deleted = await deps.retention.sweep({
    nowSeconds: Math.floor(at / 1000),
    sessionsUnusedBefore: new Date(at - deps.settings.retentionDays.sessions * DAY_MS).toISOString(),
    receiptsBefore: new Date(at - deps.settings.retentionDays.receipts * DAY_MS).toISOString(),
  });
  const overdue = await deps.requests.openErasuresBefore(
    new Date(at - deps.settings.erasureDeadlineDays * DAY_MS).toISOString(),
  );
  return { deleted, overdueErasures: overdue.map((o) => o.erasureId) };
}
