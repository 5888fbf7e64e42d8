import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSigningKey, type KeySet, parseKeySet } from '#functions/auth/domain/jwt.ts';
import { ensureKeySet, isPlaceholder, type KeySetSecret } from '#functions/auth/use-cases/key-set-init.ts';

const NOW = () => new Date('2026-01-01T12:00:00Z');
// What the stateful stack generates: an empty key list and a random placeholder field.
const PLACEHOLDER = JSON.stringify({ keys: [], placeholder: 'Zx81k2LmQ0' });

function secretHolding(read: () => Promise<string>): KeySetSecret & { readonly writes: KeySet[] } {
  const writes: KeySet[] = [];
  return {
    writes,
    readRaw: read,
    async write(keySet) {
      writes.push(keySet);
    },
  };
}

describe('ensureKeySet (the signing-key initialiser)', () => {
  it('puts one fresh current key into a secret that holds the placeholder', async () => {
    const secret = secretHolding(async () => PLACEHOLDER);

    const result = await ensureKeySet(secret, NOW);

    assert.equal(secret.writes.length, 1);
    const written = parseKeySet(JSON.stringify(secret.writes[0]));
    assert.equal(written.keys.length, 1);
    assert.equal(written.keys[0]?.status, 'current');
    assert.deepEqual(result, { kid: written.keys[0]?.kid, created: true });
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

  it('leaves a valid key set alone and reports its current key', async () => {
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
