import { createHash } from 'node:crypto';
import type { StoreReport } from './personal-data.ts';

/** Why an erasure is asked for: a code, never free text (free text can carry personal data). */
export const ERASURE_REASONS = [
  'subject-request',
  'consent-withdrawn',
  'no-longer-necessary',
  'unlawful-processing',
  'legal-obligation',
  'account-closure',
] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

/**
 * `pending` (grace: locked, intact, cancellable) → `running` (past the point of no return) →
 * `completed` | `failed` (re-runnable); `pending` → `cancelled`.
 */
export type ErasureStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StoreProgress extends StoreReport {
  readonly status: 'erased' | 'failed';
  readonly at: string;
}

/** The proof an erasure was done: counts, field names, times and a hash. No personal data. */
export interface ErasureReceipt {
  readonly erasureId: string;
  /** sha256 of the request (erasure id, user id, reason, time): whoever holds the request can check it. */
  readonly requestHash: string;
  readonly reason: ErasureReason;
  readonly requestedAt: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly stores: readonly StoreProgress[];
  /** The second look at every store after erasing: items still identifying the person, per store (all 0). */
  readonly verification: { readonly checkedAt: string; readonly remaining: Readonly<Record<string, number>> };
}

export interface ErasureRecord {
  readonly erasureId: string;
  readonly status: ErasureStatus;
  /** Null once completed: the request keeps no link to the person. */
  readonly userId: string | null;
  /** Captured at the point of no return, for stores keyed by the email; null again once completed. */
  readonly email: string | null;
  readonly reason: ErasureReason;
  /** Who asked: the person themselves or an administrator (whose id is in the audit trail). */
  readonly requestedBy: 'subject' | 'administrator';
  readonly requestedAt: string;
  /** End of the grace period. */
  readonly notBefore: string;
  readonly requestHash: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly stores: Readonly<Record<string, StoreProgress>>;
  readonly failedStore: string | null;
  readonly receipt: ErasureReceipt | null;
}

export function requestHash(erasureId: string, userId: string, reason: string, requestedAt: string): string {
  return createHash('sha256')
    .update(JSON.stringify([erasureId, userId, reason, requestedAt]))
    .digest('hex');
}

export type ExportStatus = 'queued' | 'running' | 'ready' | 'failed';

export interface ExportRecord {
  readonly exportId: string;
  readonly userId: string;
  readonly status: ExportStatus;
  readonly requestedAt: string;
  readonly readyAt: string | null;
  /** ISO time after which the document is gone (its retention class); DynamoDB TTL removes the item. */
  readonly expiresAt: string;
  /** The machine-readable document, once ready. */
  readonly document: Readonly<Record<string, unknown>> | null;
  /** Why it failed, without personal data. */
  readonly error: string | null;
}
