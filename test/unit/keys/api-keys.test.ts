import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateApiKey, hashApiKey, looksLikeApiKey } from '#functions/keys/domain/api-keys.ts';

describe('api keys', () => {
  it('generates nmb_<env>_ plus 32 base62 characters', () => {
    assert.match(generateApiKey('live').key, /^nmb_live_[0-9A-Za-z]{32}$/);
    assert.match(generateApiKey('test').key, /^nmb_test_[0-9A-Za-z]{32}$/);
  });

  it('exposes the first 16 characters as the prefix', () => {
    const { key, prefix } = generateApiKey('live');

    assert.equal(prefix.length, 16);
    assert.ok(key.startsWith(prefix));
  });

  it('stores the sha256 hex of the key, stable across calls', () => {
    const { key, hash } = generateApiKey('test');

    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    assert.equal(hashApiKey(key), hash);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('live').key));

    assert.equal(keys.size, 1000);
  });

  it('recognises its own keys', () => {
    assert.equal(looksLikeApiKey(generateApiKey('live').key), true);
    assert.equal(looksLikeApiKey(generateApiKey('test').key), true);
  });

  it('rejects near misses before any lookup', () => {
    const { key } = generateApiKey('live');
    const random = key.slice('nmb_live_'.length);
    const misses = [
      '',
      key.slice(0, -1),
      `${key}a`,
      `nmb_prod_${random}`,
      `NMB_live_${random}`,
      `nmb-live-${random}`,
      `nmb_live_${random.slice(0, -1)}-`,
      `nmb_live_${random.slice(0, -1)}_`,
      ` ${key}`,
      `${key}\n`,
      `xnmb_live_${random}`,
    ];
    for (const miss of misses) assert.equal(looksLikeApiKey(miss), false, JSON.stringify(miss));
  });
});
