import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATA_CLASSES, isDataClass, resolveTtls } from '#shared/cache/data-classes.ts';

describe('data classes', () => {
  it('seeds the TTLs of the caching design, in seconds', () => {
    assert.deepEqual(DATA_CLASSES, {
      user: 300,
      transactions: 600,
      stats: 900,
      configuration: 900,
      stackMetadata: 3600,
      templates: 86400,
      sessions: 604800,
      credentials: 30,
    });
  });

  it('applies overrides and keeps the other seeds', () => {
    const ttls = resolveTtls({ user: 60 });
    assert.equal(ttls.user, 60);
    assert.equal(ttls.templates, 86400);
  });

  it('rejects a TTL that is not a positive whole number of seconds', () => {
    assert.throws(() => resolveTtls({ stats: 0 }), /data class 'stats' must be a positive integer/);
    assert.throws(() => resolveTtls({ stats: 1.5 }), /positive integer/);
  });

  it('recognises data class names', () => {
    assert.equal(isDataClass('sessions'), true);
    assert.equal(isDataClass('toString'), false);
    assert.equal(isDataClass('org'), false);
  });
});
