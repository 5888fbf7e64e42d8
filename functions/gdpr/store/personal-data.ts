import type { PersonalDataStore } from '../domain/personal-data.ts';
import type { RequestStore } from './requests.ts';

/** The person's export requests and documents: erased with the person (a document is a copy of everything). */
export function exportsPersonalData(requests: RequestStore): PersonalDataStore {
  return {
    id: 'exports',
    async export(subject) {
      const all = await requests.exportsOf(subject.userId);
      return all.map(({ exportId, status, requestedAt, readyAt, expiresAt }) => ({
        exportId,
        status,
        requestedAt,
        readyAt,
        expiresAt,
      }));
    },
    async erase(subject) {
      const all = await requests.exportsOf(subject.userId);
      for (const record of all) await requests.deleteExport(record.exportId);
      return {
        store: 'exports',
        items: all.length,
        fields: { erased: all.length > 0 ? ['userId', 'document'] : [], anonymised: [], shredded: [] },
      };
    },
    async verify(subject) {
      return (await requests.exportsOf(subject.userId)).length;
    },
  };
}
