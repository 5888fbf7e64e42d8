import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveKey, open, SealError, seal } from '#shared/crypto-box.ts';

const key = deriveKey('master secret from the vault', 'totp-secrets');

describe('crypto box', () => {
  it('opens what it sealed', () => {
    const sealed = seal('JBSWY3DPEHPK3PXP', key, 'user-1');

    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.equal(open(sealed, key, 'user-1'), 'JBSWY3DPEHPK3PXP');
  });

  it('round-trips without aad and with an empty or unicode plaintext', () => {
    for (const plaintext of ['', 'héllo 🔐']) assert.equal(open(seal(plaintext, key), key), plaintext);
  });

  it('uses a fresh IV every time', () => {
    assert.notEqual(seal('same', key), seal('same', key));
  });

  it('derives the same key from the same material and context, another for another context', () => {
    assert.deepEqual(deriveKey('m', 'a'), deriveKey('m', 'a'));
    assert.notDeepEqual(deriveKey('m', 'a'), deriveKey('m', 'b'));
    assert.equal(deriveKey('m', 'a').length, 32);
  });

  it('throws when any part was tampered with', () => {
    const sealed = seal('secret', key, 'user-1');
    const parts = sealed.split('.');
    for (const index of [1, 2, 3]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      const tampered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
      assert.throws(() => open(tampered, key, 'user-1'), SealError, `part ${index}`);
    }
  });

  it('throws with the wrong key', () => {
    const sealed = seal('secret', key);

    assert.throws(() => open(sealed, deriveKey('master secret from the vault', 'other-use')), SealError);
  });

  it('throws when the aad differs or is missing', () => {
    const sealed = seal('secret', key, 'user-1');

    assert.throws(() => open(sealed, key, 'user-2'), SealError);
    assert.throws(() => open(sealed, key), SealError);
  });

  it('throws on malformed input', () => {
    const valid = seal('secret', key);
    for (const bad of [
      '',
      'v1',
      'v2.a.b.c',
      valid.replace('v1.', 'v2.'),
      `${valid}.x`,
      valid.replace(/\.[^.]+\./, '.!!.'),
    ]) {
      assert.throws(() => open(bad, key), SealError, bad);
    }
  });

  it('refuses keys that are not 32 bytes', () => {
    assert.throws(() => seal('secret', Buffer.alloc(16)), SealError);
  });
});
