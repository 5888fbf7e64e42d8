import type { KeyDeps } from '../deps.ts';
import { daysUntil } from '../domain/rotation.ts';

const DAY_MS = 86_400_000;

export interface ExpiringKey {
  readonly keyId: string;
  readonly ownerId: string;
  readonly expiresAt: string;
  /** Whole days left (0 within the last day). */
  readonly daysLeft: number;
}

/**
 * The expiry watch's question: which live keys expire after `now` and within `withinDays` days.
 * One range read of the expiry index, then each key's current record, so a key revoked since is
 * left out.
 */
export async function findExpiringApiKeys(
  deps: Pick<KeyDeps, 'keys'>,
  now: Date,
  withinDays: number,
): Promise<ExpiringKey[]> {
  if (!Number.isFinite(withinDays) || withinDays < 0)
    throw new Error('withinDays must be a non-negative number');
  const until = new Date(now.getTime() + withinDays * DAY_MS).toISOString();
  const found: ExpiringKey[] = [];
  for (const entry of await deps.keys.expiringBetween(now.toISOString(), until)) {
    if (Date.parse(entry.expiresAt) <= now.getTime()) continue;
    const current = await deps.keys.getById(entry.ownerId, entry.keyId);
    if (current === undefined || current.revokedAt !== null) continue;
    found.push({ ...entry, daysLeft: daysUntil(entry.expiresAt, now) });
  }
  return found.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}
