import type { KeyDeps } from '../deps.ts';
import {
  currentSecret,
  daysSince,
  daysUntil,
  isRotationDue,
  overlappingSecrets,
  rotationDueAt,
} from '../domain/rotation.ts';
import type { ApiKeyRecord } from '../store/api-keys.ts';

const latest = (a: string | null, b: string | null) => (a === null ? b : b === null || a > b ? a : b);

/** One key's health, for `GET /v1/keys/status`. */
function statusOf(secrets: readonly ApiKeyRecord[], current: ApiKeyRecord, now: Date) {
  const dueAt = rotationDueAt(current);
  return {
    id: current.id,
    name: current.name,
    prefix: current.prefix,
    createdAt: current.createdAt,
    ageDays: daysSince(current.createdAt, now),
    secretIssuedAt: current.rotatedAt ?? current.createdAt,
    expiresAt: current.expiresAt,
    daysToExpiry: current.expiresAt === null ? null : daysUntil(current.expiresAt, now),
    revokedAt: current.revokedAt,
    rotation:
      current.rotationEveryDays === null || dueAt === null
        ? null
        : { everyDays: current.rotationEveryDays, dueAt, due: isRotationDue(current, now) },
    // The key was used if any of its secrets was.
    lastUsedAt: secrets.reduce<string | null>((last, secret) => latest(last, secret.lastUsedAt), null),
    // Old secrets that still work, until when: what a client still sending one has left.
    overlap: overlappingSecrets(secrets, now).map((old) => ({
      prefix: old.prefix,
      validUntil: old.expiresAt,
      lastUsedAt: old.lastUsedAt,
    })),
    secretToCollect: current.secretToCollect,
  };
}

/** The status of every key of `ownerId`, newest first. */
export async function keyStatus(deps: Pick<KeyDeps, 'keys'>, ownerId: string, now: Date) {
  const byKey = new Map<string, ApiKeyRecord[]>();
  for (const secret of await deps.keys.listByOwner(ownerId)) {
    byKey.set(secret.id, [...(byKey.get(secret.id) ?? []), secret]);
  }
  const items = [];
  for (const secrets of byKey.values()) {
    const current = currentSecret(secrets);
    if (current !== undefined) items.push(statusOf(secrets, current, now));
  }
  return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
