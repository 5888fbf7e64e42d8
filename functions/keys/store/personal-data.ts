import type { PersonalDataStore } from '#functions/gdpr/domain/personal-data.ts';
import { deleteItems } from '#shared/store/delete-items.ts';
import {
  apiKeyExpiryKey,
  apiKeyIdKey,
  apiKeyKey,
  apiKeyRotationDueKey,
  type TableKey,
} from '#shared/store/table-keys.ts';
import { rotationDueAt } from '../domain/rotation.ts';
import type { ApiKeyStore } from './api-keys.ts';

/**
 * The person's API keys in the GDPR data map: every secret (current and superseded), the by-id
 * item, and the jobs' rotation-due and expiry index items, which name the owner. Deleting a key's
 * secret item is what revokes it: the authorizer finds no key at its next verdict.
 */
export function apiKeysPersonalData(tableName: string, keys: ApiKeyStore): PersonalDataStore {
  async function itemsOf(userId: string): Promise<TableKey[]> {
    const records = await keys.listByOwner(userId);
    const out = new Map<string, TableKey>();
    const add = (key: TableKey) => out.set(`${key.pk}\u0000${key.sk}`, key);
    for (const record of records) {
      add(apiKeyKey(record.hash));
      add(apiKeyIdKey(record.id));
      const due = rotationDueAt(record);
      if (due !== null) add(apiKeyRotationDueKey(due, record.id));
      if (record.expiresAt !== null) add(apiKeyExpiryKey(record.expiresAt, record.id));
    }
    return [...out.values()];
  }
  return {
    id: 'api-keys',
    async export(subject) {
      const records = await keys.listByOwner(subject.userId);
      return records.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        permissions: r.permissions,
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        revokedAt: r.revokedAt,
        lastUsedAt: r.lastUsedAt,
        generation: r.generation,
      }));
    },
    async erase(subject) {
      const items = await itemsOf(subject.userId);
      await deleteItems(tableName, items);
      return {
        store: 'api-keys',
        items: items.length,
        fields: {
          erased: items.length > 0 ? ['name', 'ownerId', 'secretHash', 'lastUsedAt'] : [],
          anonymised: [],
          shredded: [],
        },
      };
    },
    async verify(subject) {
      return (await keys.listByOwner(subject.userId)).length;
    },
  };
}
