import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEYED_HASH_LENGTH, keyedHash, mask, nullify, truncateIp } from '#shared/privacy/anonymise.ts';

const KEY = Buffer.from('k'.repeat(32));

describe('keyedHash', () => {
  it('is a 22-character base64url HMAC, stable for one key', () => {
    const hash = keyedHash(KEY, 'someone@example.com');

    assert.match(hash, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(hash.length, KEYED_HASH_LENGTH);
    assert.equal(keyedHash(KEY, 'someone@example.com'), hash);
  });

  it('differs between values and between keys', () => {
    const hash = keyedHash(KEY, 'a');

    assert.notEqual(keyedHash(KEY, 'b'), hash);
    assert.notEqual(keyedHash(Buffer.from('x'.repeat(32)), 'a'), hash);
  });

  it('is the HMAC-SHA256 of the value (known answer, RFC 4231 case 2)', () => {
    const mac = keyedHash(Buffer.from('Jefe'), 'what do ya want for nothing?');

    assert.equal(
      mac,
      Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex')
        .toString('base64url')
        .slice(0, 22),
    );
  });

  it('refuses an empty key', () => {
    assert.throws(() => keyedHash(Buffer.alloc(0), 'a'), /needs a key/);
  });
});

describe('truncateIp', () => {
  const cases: Array<[string, string | null]> = [
    ['203.0.113.7', '203.0.113.0'],
    ['10.0.0.255', '10.0.0.0'],
    ['0.0.0.0', '0.0.0.0'],
    [' 198.51.100.42 ', '198.51.100.0'],
    ['2001:db8:abcd:12:1:2:3:4', '2001:db8:abcd::'],
    ['2001:DB8:ABCD:0012::7', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:0:5::1', '2001:0:5::'],
    ['::1', '::'],
    ['::', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::ffff:192.0.2.77', '192.0.2.0'],
    ['::FFFF:c000:024d', '192.0.2.0'],
    ['64:ff9b::192.0.2.1', '64:ff9b::'],
  ];
  for (const [ip, expected] of cases) {
    it(`${JSON.stringify(ip)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(truncateIp(ip), expected);
    });
  }

  const bad = [
    '',
    'localhost',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.4/24',
    '2001:db8:::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '2001:db8::g',
    '12345::',
    '::ffff:999.0.0.1',
    'unknown',
  ];
  for (const ip of bad) {
    it(`${JSON.stringify(ip)} is not an address: null`, () => {
      assert.equal(truncateIp(ip), null);
    });
  }
});

describe('mask', () => {
  it('applies the named strategy, and keeps null null', () => {
    assert.equal(mask('keyed-hash', 'a', KEY), keyedHash(KEY, 'a'));
    assert.equal(mask('truncate-ip', '203.0.113.7'), '203.0.113.0');
    assert.equal(mask('nullify', 'anything'), null);
    assert.equal(mask('keyed-hash', null, KEY), null);
    assert.equal(nullify('x'), null);
  });

  it('refuses a keyed hash without a key', () => {
    assert.throws(() => mask('keyed-hash', 'a'), /needs a key/);
  });
});
