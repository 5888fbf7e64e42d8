import type { Cache } from '#shared/cache/two-level-cache.ts';
import type { Stack, StackVersion } from '../domain/model.ts';
import type { CatalogStore } from './catalog.ts';

/**
 * Stack reads for GETs, through the two-level cache with the seed data classes: a stack's metadata
 * (`stackMetadata`, 1 h) and its versions' templates (`templates`, 24 h), both tagged
 * `stack:<id>`; a change to the stack invalidates the tag in every container. Versions never change
 * once written, so the tag matters only for the metadata; it is on both so one invalidation drops
 * everything cached about a stack. Updates never read through here: their revision check needs
 * the table's current item.
 */
export interface StackReads {
  getStack(stackId: string): Promise<Stack | undefined>;
  getVersion(stackId: string, version: number): Promise<StackVersion | undefined>;
  /** Drops what is cached about the stack, in every container; call after every change to it. */
  stackChanged(stackId: string): Promise<void>;
}

export const stackTag = (stackId: string) => `stack:${stackId}`;

/** The same reads straight from the store (tests, or a function without the cache). */
export function uncachedStackReads(store: Pick<CatalogStore, 'getStack' | 'getVersion'>): StackReads {
  return {
    getStack: (stackId) => store.getStack(stackId),
    getVersion: (stackId, version) => store.getVersion(stackId, version),
    stackChanged: async () => {},
  };
}

/**
 * `cache` defaults to the shared response cache (its namespace is the one every function can
 * invalidate); keys are `catalog:...`, apart from the responses' `<apiId>|...`. A missing stack is
 * not cached (the loader's `undefined`), so a stack created just now is found at once.
 */
export function cachedStackReads(
  store: Pick<CatalogStore, 'getStack' | 'getVersion'>,
  cache?: Pick<Cache, 'get' | 'invalidateTags'>,
): StackReads {
  const shared = async () => cache ?? (await import('#shared/cache/response-cache.ts')).responseCache;
  return {
    async getStack(stackId) {
      const { value } = await (await shared()).get(`catalog:stack:${stackId}`, {
        dataClass: 'stackMetadata',
        tags: [stackTag(stackId)],
        load: () => store.getStack(stackId),
      });
      return value;
    },
    async getVersion(stackId, version) {
      const { value } = await (await shared()).get(`catalog:stack:${stackId}:v${version}`, {
        dataClass: 'templates',
        tags: [stackTag(stackId)],
        load: () => store.getVersion(stackId, version),
      });
      return value;
    },
    async stackChanged(stackId) {
      await (await shared()).invalidateTags([stackTag(stackId)]);
    },
  };
}
