import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  generateBackupCodes,
  hashBackupCode,
  matchBackupCode,
  upgradeBackupHash,
} from '#functions/auth/domain/backup-codes.ts';
import { deriveKey } from '#shared/crypto-box.ts';

const KEY = deriveKey('unit-test-data-key', 'nimbus/backup-codes/v1');
const OTHER_KEY = deriveKey('another-data-key', 'nimbus/backup-codes/v1');
/** How codes were stored before the HMAC: a plain sha256 of the normalised code. */
const legacyHash = (code: string) => createHash('sha256').update(code.replace(/-/g, '')).digest('hex');

describe('backup codes', () => {
  it('generates ten unique xxxxx-xxxxx codes from an unambiguous alphabet', () => {
    const codes = generateBackupCodes();

    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  it('generates as many codes as asked', () => {
    assert.equal(generateBackupCodes(3).length, 3);
  });

  it('finds the index of the matching hash', () => {
    const codes = generateBackupCodes();
    const hashes = codes.map((code) => hashBackupCode(code, KEY));

    assert.equal(matchBackupCode(codes[7] ?? '', hashes, KEY), 7);
    assert.equal(matchBackupCode(codes[0] ?? '', hashes, KEY), 0);
  });

  it('returns -1 for a code that is not there', () => {
    const hashes = generateBackupCodes().map((code) => hashBackupCode(code, KEY));

    assert.equal(matchBackupCode('zzzzz-zzzzz', hashes, KEY), -1);
    assert.equal(matchBackupCode('', hashes, KEY), -1);
    assert.equal(matchBackupCode('abcde-fghjk', [], KEY), -1);
  });

  it('ignores case, spaces and dashes, and reads o as 0 and i or l as 1', () => {
    const hash = hashBackupCode('a0b1c-d2e3f', KEY);

    for (const typed of [
      'A0B1C-D2E3F',
      'a0b1cd2e3f',
      ' a0b1c d2e3f ',
      'a0b-1c-d2e-3f',
      'aObIc-d2e3f',
      'a0blc-d2e3f',
    ]) {
      assert.equal(hashBackupCode(typed, KEY), hash, typed);
    }
  });

  it('stores a keyed HMAC: not the plain sha256 of the code, and different under another key', () => {
    const code = 'abcde-fghjk';

    const stored = hashBackupCode(code, KEY);

    assert.match(stored, /^h1:[0-9a-f]{64}$/);
    assert.ok(!stored.includes(legacyHash(code)));
    assert.notEqual(stored, hashBackupCode(code, OTHER_KEY));
    assert.equal(matchBackupCode(code, [stored], OTHER_KEY), -1);
  });

  it('still matches codes stored as a legacy sha256, beside keyed ones', () => {
    const [legacy, keyed] = ['abcde-fghjk', 'mnpqr-stvwx'];

    const hashes = [legacyHash(legacy), hashBackupCode(keyed, KEY)];

    assert.equal(matchBackupCode(legacy, hashes, KEY), 0);
    assert.equal(matchBackupCode(keyed, hashes, KEY), 1);
  });

  it('upgrades a legacy hash to the keyed form of the same code, and leaves keyed ones alone', () => {
    const code = 'abcde-fghjk';

    const upgraded = upgradeBackupHash(legacyHash(code), KEY);

    assert.equal(upgraded, hashBackupCode(code, KEY));
    assert.equal(upgradeBackupHash(upgraded, KEY), upgraded);
  });

  it('skips stored hashes that are not hashes', () => {
    const code = 'abcde-fghjk';

    assert.equal(matchBackupCode(code, ['', 'not-a-hash', hashBackupCode(code, KEY)], KEY), 2);
  });
});
