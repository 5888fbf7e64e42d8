import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hashPassword, needsRehash, verifyPassword } from '#functions/auth/domain/password.ts';
import { cheapPasswordHash } from '../../support/auth-fakes.ts';

const PASSWORD = 'correct horse battery staple';

// Each real hash or check costs ~128 MiB and a few hundred ms at the production parameters: the
// tests share one and use cheap (N=2^10) hashes wherever the parameters do not matter.
let stored: string;
before(async () => {
  stored = await hashPassword(PASSWORD);
});

describe('password hashing', () => {
  it("stores scrypt at OWASP's minimum (N=2^17, r=8, p=1), a 16-byte salt and a 32-byte key", () => {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    assert.deepEqual([scheme, n, r, p], ['scrypt', '131072', '8', '1']);
    assert.equal(Buffer.from(salt ?? '', 'base64url').length, 16);
    assert.equal(Buffer.from(hash ?? '', 'base64url').length, 32);
  });

  it('salts every hash, so the same password stores differently', () => {
    assert.notEqual(cheapPasswordHash('same'), cheapPasswordHash('same'));
  });

  it('verifies the right password at the production parameters', async () => {
    assert.equal(await verifyPassword(PASSWORD, stored), true);
  });

  it('refuses a wrong password', async () => {
    const cheap = cheapPasswordHash(PASSWORD);

    assert.equal(await verifyPassword('correct horse battery stapler', cheap), false);
    assert.equal(await verifyPassword('', cheap), false);
  });

  it('treats the composed and decomposed forms of a character as the same password', async () => {
    assert.equal(await verifyPassword('cafe\u0301', cheapPasswordHash('caf\u00e9')), true);
  });

  it('returns false for an unknown user, after running scrypt all the same', async () => {
    const started = performance.now();
    const result = await verifyPassword('anything', null);
    const elapsed = performance.now() - started;

    assert.equal(result, false);
    assert.ok(elapsed > 20, `took ${elapsed.toFixed(1)} ms, too fast to have run scrypt at N=2^17`);
  });

  it('returns false, without throwing, for malformed stored hashes', async () => {
    const [, , , , salt, hash] = stored.split('$');
    const malformed = [
      '',
      'plaintext',
      'bcrypt$2b$10$abc',
      stored.replace('scrypt$', 'scrypt2$'),
      `scrypt$131072$8$1$${salt}`,
      `scrypt$131071$8$1$${salt}$${hash}`,
      `scrypt$1073741824$8$1$${salt}$${hash}`,
      `scrypt$131072$8$1$${salt}$`,
      `scrypt$131072$8$1$${salt}$${hash}!`,
      `scrypt$131072$8$1$AAAA$${hash}`,
      `scrypt$-131072$8$1$${salt}$${hash}`,
    ];
    for (const value of malformed) {
      assert.equal(await verifyPassword(PASSWORD, value), false, value);
    }
  });

  it('refuses planted parameters that would allocate too much or run too long, before deriving', async () => {
    const [, , , , salt, hash] = stored.split('$');
    const planted = [
      `scrypt$1048576$8$1$${salt}$${hash}`, // 1 GiB
      `scrypt$33554432$1$1$${salt}$${hash}`, // 4 GiB with r=1
      `scrypt$131072$32$1$${salt}$${hash}`, // 512 MiB through r
      `scrypt$131072$8$16$${salt}$${hash}`, // 16 times the work through p
    ];
    const started = performance.now();
    for (const value of planted) assert.equal(await verifyPassword(PASSWORD, value), false, value);
    const elapsed = performance.now() - started;

    assert.ok(elapsed < 50, `took ${elapsed.toFixed(1)} ms for ${planted.length} planted hashes: scrypt ran`);
  });

  it('accepts stored parameters up to twice the memory of the defaults', async () => {
    const [, , , , salt, hash] = stored.split('$');
    // Wrong key for these parameters, so false, but only after deriving: the bound let it through.
    const started = performance.now();
    const result = await verifyPassword(PASSWORD, `scrypt$262144$8$1$${salt}$${hash}`);

    assert.equal(result, false);
    assert.ok(performance.now() - started > 20, 'refused before deriving');
  });
});

describe('needsRehash', () => {
  it('says a hash weaker than the current parameters should be re-hashed', () => {
    assert.equal(needsRehash(cheapPasswordHash(PASSWORD)), true);
    assert.equal(needsRehash(stored.replace('scrypt$131072$', 'scrypt$32768$')), true);
  });

  it('leaves current and stronger hashes, and malformed ones, alone', () => {
    assert.equal(needsRehash(stored), false);
    assert.equal(needsRehash(stored.replace('scrypt$131072$', 'scrypt$262144$')), false);
    assert.equal(needsRehash('plaintext'), false);
  });
});
