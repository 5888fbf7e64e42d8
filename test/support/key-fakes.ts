import { rotationDueAt } from '#functions/keys/domain/rotation.ts';
import {
  type ApiKeyRecord,
  type ApiKeyStore,
  KeyChangedError,
  type KeyRef,
} from '#functions/keys/store/api-keys.ts';

const isCurrentAndLive = (record: ApiKeyRecord | undefined): record is ApiKeyRecord =>
  record !== undefined && record.revokedAt === null && record.supersededAt === null;

/**
 * The DynamoDB key store's contract in memory (the integration tests hold the real one to it):
 * secrets by hash, the owner entry by id, the jobs' due and expiry indexes, and each transaction's
 * condition on the key's current secret.
 */
export function memoryKeyStore(): ApiKeyStore & {
  readonly records: Map<string, ApiKeyRecord>;
  readonly sealed: Map<string, string>;
} {
  const records = new Map<string, ApiKeyRecord>();
  const sealed = new Map<string, string>();
  const owners = new Map<string, string>();
  const due = new Map<string, KeyRef & { dueAt: string }>();
  const expiring = new Map<string, KeyRef & { expiresAt: string }>();
  const ref = (record: ApiKeyRecord): KeyRef => ({ keyId: record.id, ownerId: record.ownerId });
  const setDue = (record: ApiKeyRecord) => {
    const dueAt = rotationDueAt(record);
    if (dueAt === null) due.delete(record.id);
    else due.set(record.id, { ...ref(record), dueAt });
  };
  const secretsOf = (ownerId: string, id: string) =>
    [...records.values()].filter((r) => r.ownerId === ownerId && r.id === id);
  return {
    records,
    sealed,
    async create(record) {
      if (records.has(record.hash)) throw new Error('duplicate key hash');
      records.set(record.hash, record);
      owners.set(record.id, record.ownerId);
      if (record.expiresAt !== null) expiring.set(record.id, { ...ref(record), expiresAt: record.expiresAt });
      setDue(record);
    },
    async getByHash(hash) {
      return records.get(hash);
    },
    async listByOwner(ownerId) {
      return [...records.values()].filter((r) => r.ownerId === ownerId);
    },
    async getById(ownerId, id) {
      return secretsOf(ownerId, id).find((r) => r.supersededAt === null);
    },
    async secretsOf(ownerId, id) {
      return secretsOf(ownerId, id);
    },
    async ownerOf(id) {
      return owners.get(id);
    },
    async rotate({ current, next, currentEndsAt, sealedSecret, ended }) {
      if (!isCurrentAndLive(records.get(current.hash)) || records.has(next.hash)) throw new KeyChangedError();
      const old = records.get(current.hash) as ApiKeyRecord;
      records.set(current.hash, {
        ...old,
        supersededAt: next.rotatedAt,
        expiresAt: currentEndsAt,
        secretToCollect: false,
      });
      sealed.delete(current.hash);
      records.set(next.hash, next);
      if (sealedSecret !== null) sealed.set(next.hash, sealedSecret);
      for (const gone of ended) records.delete(gone.hash);
      setDue(next);
    },
    async setRotationSchedule(current, everyDays) {
      const stored = records.get(current.hash);
      if (!isCurrentAndLive(stored)) throw new KeyChangedError();
      const after = { ...stored, rotationEveryDays: everyDays };
      records.set(current.hash, after);
      owners.set(current.id, current.ownerId);
      setDue(after);
    },
    async revokeKey(secrets, at) {
      const current = secrets.find((s) => s.supersededAt === null);
      if (current === undefined) return;
      if (records.get(current.hash)?.supersededAt !== null) throw new KeyChangedError();
      for (const secret of secrets) {
        const stored = records.get(secret.hash);
        if (stored && stored.revokedAt === null)
          records.set(secret.hash, { ...stored, revokedAt: at, secretToCollect: false });
        sealed.delete(secret.hash);
      }
      due.delete(current.id);
      expiring.delete(current.id);
    },
    async takeSecretToCollect(hash) {
      const value = sealed.get(hash);
      const stored = records.get(hash);
      if (value === undefined || !isCurrentAndLive(stored)) return undefined;
      sealed.delete(hash);
      records.set(hash, { ...stored, secretToCollect: false });
      return value;
    },
    async rotationsDue(by) {
      return [...due.values()]
        .filter((entry) => entry.dueAt <= by)
        .map(({ keyId, ownerId }) => ({ keyId, ownerId }));
    },
    async expiringBetween(from, to) {
      return [...expiring.values()].filter((entry) => entry.expiresAt >= from && entry.expiresAt <= to);
    },
    async touch(hash, at, staleBefore) {
      const record = records.get(hash);
      if (record && (record.lastUsedAt === null || record.lastUsedAt < staleBefore))
        records.set(hash, { ...record, lastUsedAt: at });
    },
  };
}
