import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateBackupCodes, hashBackupCode, matchBackupCode } from '#functions/auth/domain/backup-codes.ts';

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
    const hashes = codes.map(hashBackupCode);

    assert.equal(matchBackupCode(codes[7]!, hashes), 7);
    assert.equal(matchBackupCode(codes[0]!, hashes), 0);
  });

  it('returns -1 for a code that is not there', () => {
    const hashes = generateBackupCodes().map(hashBackupCode);

    assert.equal(matchBackupCode('zzzzz-zzzzz', hashes), -1);
    assert.equal(matchBackupCode('', hashes), -1);
    assert.equal(matchBackupCode('abcde-fghjk', []), -1);
  });

  it('ignores case, spaces and dashes, and reads o as 0 and i or l as 1', () => {
    const hash = hashBackupCode('a0b1c-d2e3f');

    for (const typed of [
      'A0B1C-D2E3F',
      'a0b1cd2e3f',
      ' a0b1c d2e3f ',
      'a0b-1c-d2e-3f',
      'aObIc-d2e3f',
      'a0blc-d2e3f',
    ]) {
      assert.equal(hashBackupCode(typed), hash, typed);
    }
  });

  it('hashes to sha256 hex', () => {
    assert.match(hashBackupCode('abcde-fghjk'), /^[0-9a-f]{64}$/);
  });

  it('skips stored hashes that are not hashes', () => {
    const code = 'abcde-fghjk';

    assert.equal(matchBackupCode(code, ['', 'not-a-hash', hashBackupCode(code)]), 2);
  });
});
