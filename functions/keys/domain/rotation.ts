import { InvalidInputError } from '#shared/domain-errors.ts';

/**
 * Rotation rules, pure: how long an old secret overlaps its successor, when a schedule makes a key
 * due, and how a key's secrets are told apart. No clock of its own: callers pass `now`.
 */

const DAY_MS = 86_400_000;

export interface OverlapBounds {
  readonly defaultOverlapSeconds: number;
  readonly maxOverlapSeconds: number;
}

/** The overlap asked for, or the default; 0 ends the old secret at once. */
export function overlapSeconds(requested: number | undefined, bounds: OverlapBounds): number {
  const overlap = requested ?? bounds.defaultOverlapSeconds;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > bounds.maxOverlapSeconds) {
    const message = `must be a whole number of seconds from 0 to ${bounds.maxOverlapSeconds}`;
    throw new InvalidInputError(`overlapSeconds ${message}.`, [{ path: 'body.overlapSeconds', message }]);
  }
  return overlap;
}

/**
 * When the old secret stops working: at the end of the overlap, or at the key's own expiry if that
 * comes first (a rotation never extends a key's life).
 */
export function overlapEnd(now: Date, overlap: number, expiresAt: string | null): string {
  const end = now.getTime() + overlap * 1000;
  return new Date(expiresAt === null ? end : Math.min(end, Date.parse(expiresAt))).toISOString();
}

/** What the schedule reads of a key's current secret. */
export interface Scheduled {
  readonly createdAt: string;
  /** When the current secret was issued by a rotation; `null` if it is the one made at creation. */
  readonly rotatedAt: string | null;
  readonly rotationEveryDays: number | null;
}

/** When the schedule next rotates the key: `everyDays` after its current secret was issued. */
export function rotationDueAt(key: Scheduled): string | null {
  if (key.rotationEveryDays === null) return null;
  const issued = Date.parse(key.rotatedAt ?? key.createdAt);
  return new Date(issued + key.rotationEveryDays * DAY_MS).toISOString();
}

export function isRotationDue(key: Scheduled, now: Date): boolean {
  const due = rotationDueAt(key);
  return due !== null && Date.parse(due) <= now.getTime();
}

/** Whole days from `now` until `at` (0 within the last day; negative once past). */
export function daysUntil(at: string, now: Date): number {
  return Math.floor((Date.parse(at) - now.getTime()) / DAY_MS);
}

/** Whole days since `at`. */
export function daysSince(at: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(at)) / DAY_MS);
}

/** What tells a key's secrets apart. */
export interface Secret {
  readonly supersededAt: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** The key's current secret: the one no rotation has superseded. */
export function currentSecret<S extends Secret>(secrets: readonly S[]): S | undefined {
  return secrets.find((secret) => secret.supersededAt === null);
}

/** Superseded secrets still inside their overlap: the key's old secrets that still work. */
export function overlappingSecrets<S extends Secret>(secrets: readonly S[], now: Date): S[] {
  return secrets.filter(
    (secret) =>
      secret.supersededAt !== null &&
      secret.revokedAt === null &&
      secret.expiresAt !== null &&
      Date.parse(secret.expiresAt) > now.getTime(),
  );
}

/** Superseded secrets past their overlap: nothing accepts them, so a rotation may delete them. */
export function endedSecrets<S extends Secret>(secrets: readonly S[], now: Date): S[] {
  return secrets.filter(
    (secret) =>
      secret.supersededAt !== null &&
      secret.expiresAt !== null &&
      Date.parse(secret.expiresAt) <= now.getTime(),
  );
}
