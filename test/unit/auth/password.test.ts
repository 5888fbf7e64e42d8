import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '#functions/auth/domain/password.ts';

describe('password hashing', () => {
  it('stores scrypt with its parameters, a 16-byte salt and a 32-byte key', async () => {
    const stored = await hashPassword('correct horse battery staple');

    const [scheme, n, r, p, salt, hash] = stored.split('$');
    assert.deepEqual([scheme, n, r, p], ['scrypt', '32768', '8', '1']);
    assert.equal(Buffer.from(salt!, 'base64url').length, 16);
    assert.equal(Buffer.from(hash!, 'base64url').length, 32);
  });

  it('salts every hash, so the same password stores differently', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  it('verifies the right password', async () => {
    const stored = await hashPassword('correct horse battery staple');

    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
  });

  it('refuses a wrong password', async () => {
    const stored = await hashPassword('correct horse battery staple');

    assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('treats the composed and decomposed forms of a character as the same password', async () => {
    const stored = await hashPassword('caf\u00e9');

    assert.equal(await verifyPassword('cafe\u0301', stored), true);
  });

  it('returns false for an unknown user, after running scrypt all the same', async () => {
    const started = performance.now();
    const result = await verifyPassword('anything', null);
    const elapsed = performance.now() - started;

    assert.equal(result, false);
    assert.ok(elapsed > 5, `took ${elapsed.toFixed(1)} ms, too fast to have run scrypt`);
  });

  it('returns false, without throwing, for malformed stored hashes', async () => {
    const good = await hashPassword('pw');
    const [, , , , salt, hash] = good.split('$');
    const malformed = [
      '',
      'plaintext',
      'bcrypt$2b$10$abc',
      good.replace('scrypt$', 'scrypt2$'),
      `scrypt$32768$8$1$${salt}`,
      `scrypt$32767$8$1$${salt}$${hash}`,
      `scrypt$1073741824$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
      `scrypt$32768$8$1$${salt}$${hash}!`,
      `scrypt$32768$8$1$AAAA$${hash}`,
      `scrypt$-32768$8$1$${salt}$${hash}`,
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword('pw', stored), false, stored);
    }
  });
});
