import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigningKey } from '#functions/auth/domain/jwt.ts';
import {
  parseStoredKey,
  type StoredSigningKey,
  serializeStoredKey,
} from '#functions/auth/domain/signing-key-versions.ts';
import { ensureKeySet, isPlaceholder, type KeySetSecret } from '#functions/auth/use-cases/key-set-init.ts';

const NOW = () => new Date('2026-01-01T12:00:00Z');
// What the stateful stack generates: an empty key list and a random placeholder field.
const PLACEHOLDER = JSON.stringify({ keys: [], placeholder: 'Zx81k2LmQ0' });

function secretHolding(read: () => Promise<string>): KeySetSecret & { readonly writes: StoredSigningKey[] } {
  const writes: StoredSigningKey[] = [];
  return {
    writes,
    readRaw: read,
    async write(key) {
      writes.push(key);
    },
  };
}

describe('ensureKeySet (the signing-key initialiser)', () => {
  it('writes one fresh key (the first AWSCURRENT version) into a secret that holds the placeholder', async () => {
    const secret = secretHolding(async () => PLACEHOLDER);

    const result = await ensureKeySet(secret, NOW);

    assert.equal(secret.writes.length, 1);
    const [first] = secret.writes;
    assert.ok(first);
    // One key per version: the stored value is a single key, with no status of its own.
    const written = parseStoredKey(serializeStoredKey(first));
    assert.equal('status' in first, false);
    assert.deepEqual(result, { kid: written.kid, created: true });
  });

  // Regression (issue 9): one throttled read replaced the key set and logged everyone out.
  it('fails without writing when the secret cannot be read', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const secret = secretHolding(async () => {
      throw throttled;
    });

    await assert.rejects(ensureKeySet(secret, NOW), (error: unknown) => error === throttled);
    assert.deepEqual(secret.writes, []);
  });

  it('leaves a stored key alone and reports it', async () => {
    const { status: _status, ...stored } = await generateSigningKey(NOW(), 'current');
    const secret = secretHolding(async () => serializeStoredKey(stored));

    const result = await ensureKeySet(secret, NOW);

    assert.deepEqual(result, { kid: stored.kid, created: false });
    assert.deepEqual(secret.writes, []);
  });

  it('leaves a key set in the former format alone and reports its current key', async () => {
    const current = await generateSigningKey(NOW(), 'current');
    const previous = await generateSigningKey(NOW(), 'previous');
    const secret = secretHolding(async () => JSON.stringify({ keys: [previous, current] }));

    const result = await ensureKeySet(secret, NOW);

    assert.deepEqual(result, { kid: current.kid, created: false });
    assert.deepEqual(secret.writes, []);
  });

  it('fails without writing on a stored value that is neither a placeholder nor a valid set', async () => {
    for (const stored of ['not json', '{"keys":[{"kid":"broken"}]}', '{}', '[]']) {
      const secret = secretHolding(async () => stored);

      await assert.rejects(ensureKeySet(secret, NOW), Error, stored);
      assert.deepEqual(secret.writes, [], stored);
    }
  });
});

describe('isPlaceholder', () => {
  it('is true only for JSON with an empty key list', () => {
    assert.equal(isPlaceholder(PLACEHOLDER), true);
    assert.equal(isPlaceholder('{"keys":[]}'), true);
    assert.equal(isPlaceholder('{"keys":[{"kid":"a"}]}'), false);
    assert.equal(isPlaceholder('{}'), false);
    assert.equal(isPlaceholder('null'), false);
    assert.equal(isPlaceholder(''), false);
  });
});
