import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CacheMonitoringDeps } from '#functions/monitoring/deps.ts';
import { cacheHealth, cacheStatistics, invalidateCache } from '#functions/monitoring/use-cases/cache.ts';
import { DependencyUnavailableError } from '#shared/domain-errors.ts';
import { memoryEventStore } from '../../support/fakes.ts';

function cacheDeps(l2: 'ok' | 'down') {
  const dropped: string[] = [];
  const deps: CacheMonitoringDeps = {
    cache: {
      health: async () => ({ l2, latencyMs: 1.5 }),
      invalidateTags: async (tags) => {
        dropped.push(...tags.map((tag) => `tag ${tag}`));
      },
      invalidateUser: async (userId) => {
        dropped.push(`user ${userId}`);
      },
    },
    fleetStats: async () => {
      if (l2 === 'down') throw new Error('ECONNREFUSED');
      throw new Error('not used by this test');
    },
  };
  return { deps, dropped };
}

describe('cache monitoring', () => {
  it('reports a healthy second level', async () => {
    assert.deepEqual(await cacheHealth(cacheDeps('ok').deps), { l2: 'ok', latencyMs: 1.5 });
  });

  it('is unavailable when the second level is down, saying so in the details', async () => {
    await assert.rejects(cacheHealth(cacheDeps('down').deps), (error: unknown) => {
      assert.ok(error instanceof DependencyUnavailableError);
      assert.deepEqual(error.details, { l2: 'down', latencyMs: 1.5 });
      return true;
    });
  });

  it('is unavailable when the fleet counters cannot be read', async () => {
    await assert.rejects(cacheStatistics(cacheDeps('down').deps), DependencyUnavailableError);
  });

  it('invalidates tags and a user in every container and audits it', async () => {
    const { deps, dropped } = cacheDeps('ok');
    const events = memoryEventStore();

    const result = await invalidateCache(
      { ...deps, events },
      'admin-1',
      { tags: ['route:auth.me'], userId: 'u1' },
      'corr-1',
    );

    assert.deepEqual(result, { tags: ['route:auth.me'], userId: 'u1' });
    assert.deepEqual(dropped, ['tag route:auth.me', 'user u1']);
    assert.equal(events.appended[0]?.type, 'cache.invalidated');
    assert.equal(events.appended[0]?.actor, 'admin-1');
  });
});
